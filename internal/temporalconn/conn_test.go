package temporalconn

import (
	"flag"
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestRegister(t *testing.T) {
	for _, c := range []struct {
		vars             map[string]string
		args             []string
		address, namespa string
	}{
		{nil, nil, "localhost:7233", "default"},
		{map[string]string{"TEMPORAL_ADDRESS": "t:1", "TEMPORAL_NAMESPACE": "ops"}, nil, "t:1", "ops"},
		{map[string]string{"TEMPORAL_ADDRESS": "t:1"}, []string{"-address", "h:2", "-namespace", "n"}, "h:2", "n"},
	} {
		var conn Conn
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		conn.Register(fs, env(c.vars))
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		if conn.Address != c.address || conn.Namespace != c.namespa {
			t.Errorf("%v %v: %+v", c.vars, c.args, conn)
		}
	}
}

func TestOptionsCredentials(t *testing.T) {
	conn := Conn{Address: "h:1", Namespace: "n"}
	opts, err := conn.Options(env(nil))
	if err != nil || opts.Credentials != nil || opts.ConnectionOptions.TLS != nil || opts.HostPort != "h:1" || opts.Namespace != "n" {
		t.Errorf("plain: %+v %v", opts, err)
	}
	opts, err = conn.Options(env(map[string]string{"TEMPORAL_API_KEY": "secret"}))
	if err != nil || opts.Credentials == nil || opts.ConnectionOptions.TLS == nil {
		t.Errorf("api key: %v", err)
	}
	if _, err := conn.Options(env(map[string]string{"TEMPORAL_TLS_CERT": "c.pem"})); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("half a TLS pair: %v", err)
	}
	if _, err := conn.Options(env(map[string]string{"TEMPORAL_TLS_CERT": "/nonexistent.pem", "TEMPORAL_TLS_KEY": "/nonexistent.key"})); err == nil {
		t.Error("a missing certificate was accepted")
	}
}
