package feed

import (
	"net/url"
	"strings"
)

// URL is the address of a feed on the server at base (such as
// https://rota.example.com, with or without a trailing slash):
// base/feeds/<kind>/<id>.ics?token=<token>, each part escaped.
func URL(base, kind, id, token string) string {
	return strings.TrimRight(base, "/") + "/feeds/" + url.PathEscape(kind) + "/" + url.PathEscape(id) +
		".ics?token=" + url.QueryEscape(token)
}

// Webcal is u with its http:// or https:// scheme replaced by webcal://,
// the link that makes a calendar application subscribe to the feed; any
// other u is returned as it is.
func Webcal(u string) string {
	for _, scheme := range []string{"https://", "http://"} {
		if len(u) >= len(scheme) && strings.EqualFold(u[:len(scheme)], scheme) {
			return "webcal://" + u[len(scheme):]
		}
	}
	return u
}

// PageURL is the address of a rotation's schedule page on the server at
// base: base/rotations/<id>?token=<token>, the token of the rotation's feed.
func PageURL(base, rotation, token string) string {
	return strings.TrimRight(base, "/") + "/rotations/" + url.PathEscape(rotation) + "?token=" + url.QueryEscape(token)
}
