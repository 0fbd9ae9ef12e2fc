package integration

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Docker is not available where these tests run, so docker-compose.yml is
// checked here: it parses, has the services, and they are wired together
// the way docs/running.md says.

type composeFile struct {
	Services map[string]struct {
		Image       string         `yaml:"image"`
		Build       any            `yaml:"build"`
		Environment map[string]any `yaml:"environment"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		Command any      `yaml:"command"`
		Ports   []string `yaml:"ports"`
	} `yaml:"services"`
	Configs map[string]struct {
		Content string `yaml:"content"`
	} `yaml:"configs"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestDockerCompose(t *testing.T) {
	data, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	for _, name := range []string{"postgresql", "temporal-schema", "temporal", "temporal-setup", "temporal-ui", "worker"} {
		if _, ok := f.Services[name]; !ok {
			t.Errorf("no service %q", name)
		}
	}
	// Every depends_on names a service, with a condition compose knows.
	for name, s := range f.Services {
		for dep, d := range s.DependsOn {
			if _, ok := f.Services[dep]; !ok {
				t.Errorf("%s depends on unknown service %s", name, dep)
			}
			if !slices.Contains([]string{"service_started", "service_healthy", "service_completed_successfully"}, d.Condition) {
				t.Errorf("%s: depends_on %s: bad condition %q", name, dep, d.Condition)
			}
			if d.Condition == "service_healthy" && f.Services[dep].Healthcheck == nil {
				t.Errorf("%s waits for %s to be healthy, which has no healthcheck", name, dep)
			}
		}
	}
	temporal := f.Services["temporal"]
	if temporal.Environment["DB"] != "postgres12" {
		t.Errorf("temporal: DB = %v, want postgres12", temporal.Environment["DB"])
	}
	w := f.Services["worker"]
	if w.Build == nil {
		t.Error("worker is not built from the Dockerfile")
	}
	if w.Environment["TEMPORAL_ADDRESS"] != "temporal:7233" {
		t.Errorf("worker: TEMPORAL_ADDRESS = %v", w.Environment["TEMPORAL_ADDRESS"])
	}
	if w.Environment["ROTA_HTTP"] != ":8090" || !strings.Contains(fmt.Sprint(w.Environment["ROTA_FEED_SECRET"]), "${ROTA_FEED_SECRET") {
		t.Errorf("worker: serves feeds on :8090 with the secret from the environment: %v", w.Environment)
	}
	if w.DependsOn["temporal-setup"].Condition != "service_completed_successfully" {
		t.Error("worker must wait for temporal-setup (namespace and search attributes)")
	}
	setup, _ := yaml.Marshal(f.Services["temporal-setup"].Command)
	for _, want := range []string{"RotaMembers", "RotaOnCall", "RotaHealth", "KeywordList", "search-attribute create"} {
		if !strings.Contains(string(setup), want) {
			t.Errorf("temporal-setup does not mention %q", want)
		}
	}
	if ui := f.Services["temporal-ui"]; ui.Environment["TEMPORAL_ADDRESS"] != "temporal:7233" || !strings.HasPrefix(ui.Image, "temporalio/ui:") {
		t.Errorf("temporal-ui: %+v", ui)
	}
	// The dynamic config handed to the server is YAML too.
	var dc map[string]any
	if err := yaml.Unmarshal([]byte(f.Configs["temporal-dynamicconfig"].Content), &dc); err != nil || len(dc) == 0 {
		t.Errorf("temporal-dynamicconfig: %v (%d keys)", err, len(dc))
	}
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{"FROM golang:", " AS build", "./cmd/worker", "USER nonroot", "ENTRYPOINT"} {
		if !strings.Contains(s, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if strings.Count(s, "\nFROM ") < 1 || !strings.HasPrefix(strings.TrimSpace(s[strings.LastIndex(s, "\nFROM "):]), "FROM gcr.io/distroless/") {
		t.Error("the runtime stage is not distroless")
	}
}
