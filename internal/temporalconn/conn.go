// Package temporalconn says how rota's programs reach Temporal: the address
// and namespace come from flags or the environment, credentials from the
// environment only (TEMPORAL_API_KEY, or TEMPORAL_TLS_CERT with
// TEMPORAL_TLS_KEY), so secrets never appear in a command line.
package temporalconn

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"

	"go.temporal.io/sdk/client"
)

// Defaults, as the Temporal CLI has them.
const (
	DefaultAddress   = "localhost:7233"
	DefaultNamespace = "default"
)

// Conn is where a program's Temporal is.
type Conn struct {
	Address   string
	Namespace string
}

// Register adds -address and -namespace to fs, defaulting to
// TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE as getenv reads them.
func (c *Conn) Register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.Address, "address", or(getenv("TEMPORAL_ADDRESS"), DefaultAddress), "Temporal frontend host:port (env TEMPORAL_ADDRESS)")
	fs.StringVar(&c.Namespace, "namespace", or(getenv("TEMPORAL_NAMESPACE"), DefaultNamespace), "Temporal namespace (env TEMPORAL_NAMESPACE)")
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// Options returns the client options of c, with the credentials found in
// the environment: an API key, or an mTLS client certificate and key.
func (c Conn) Options(getenv func(string) string) (client.Options, error) {
	opts := client.Options{HostPort: c.Address, Namespace: c.Namespace}
	cert, key := getenv("TEMPORAL_TLS_CERT"), getenv("TEMPORAL_TLS_KEY")
	if (cert == "") != (key == "") {
		return opts, errors.New("set both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY, or neither")
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return opts, fmt.Errorf("TLS client certificate: %w", err)
		}
		opts.Credentials = client.NewMTLSCredentials(pair)
		opts.ConnectionOptions.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if k := getenv("TEMPORAL_API_KEY"); k != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(k)
		opts.ConnectionOptions.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return opts, nil
}
