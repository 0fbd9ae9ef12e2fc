package feed

import _ "github.com/arran4/golang-ical" // the second parser of the golden tests
