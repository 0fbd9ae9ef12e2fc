package feed

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// Kinds of feed: a rotation's, or a member's (every rotation they are in).
const (
	KindRotation = "rotations"
	KindMember   = "members"
)

// Token is the secret part of a feed's URL: an HMAC-SHA256, under the
// worker's secret, of the feed's identity (its kind, id and generation).
// Changing the secret revokes every URL; raising a feed's generation
// revokes that feed's.
func Token(secret []byte, kind, id string, gen int) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "rota-feed\x00%s\x00%s\x00%d", kind, id, gen)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ValidToken reports, in constant time, whether token is the feed's.
func ValidToken(secret []byte, kind, id string, gen int, token string) bool {
	want := Token(secret, kind, id, gen)
	return hmac.Equal([]byte(want), []byte(token))
}
