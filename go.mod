module github.com/rota-scheduler/rota

go 1.26.8

require (
	github.com/emersion/go-ical v0.0.0-20250329121855-f41e73efc392 // indirect
	github.com/teambition/rrule-go v1.8.2 // indirect
	go.temporal.io/sdk v1.50.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
