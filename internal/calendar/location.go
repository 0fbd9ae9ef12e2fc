package calendar

import (
	"fmt"
	"sync"
	"time"

	// Embed the IANA database so that every zone loads even on a machine
	// without zoneinfo files. (Go prefers the system's copy when there is
	// one; $ZONEINFO can point elsewhere.)
	_ "time/tzdata"
)

// locations caches loaded zones by name: time.LoadLocation reads and parses
// the database on every call, and rota looks zones up often.
var locations sync.Map // string -> *time.Location

// LoadLocation returns the IANA time zone called name, e.g. "Europe/London".
// "" and "Local" are refused: a rotation's zone must not depend on the
// machine it runs on.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q: want an IANA name such as Europe/London", name)
	}
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		// time's error repeats the name; say what is wanted instead.
		return nil, fmt.Errorf("unknown time zone %q: want an IANA name such as Europe/London", name)
	}
	cached, _ := locations.LoadOrStore(name, loc)
	return cached.(*time.Location), nil
}

// orUTC returns loc, or UTC when loc is nil, so that nothing in this package
// panics on a Spec that was never validated.
func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}
