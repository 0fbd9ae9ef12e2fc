package workflows

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// edit is a change to the workflow's code that breaks determinism on one
// production path: the replay of the recorded histories must catch it.
type edit struct {
	name   string
	file   string // in this package
	anchor string // the line after which insert goes (must occur once)
	insert string
}

const sleep = "_ = workflow.Sleep(ctx, time.Millisecond)"

var edits = []edit{
	{"an extra command after a re-handoff (the running shift split by a change)", "rotation.go", "\t\tw.handOff(ctx, now)\n",
		"\t\tif slices.ContainsFunc(w.st.shifts(), func(s engine.Shift) bool { return s.Split }) {\n\t\t\t" + sleep + "\n\t\t}\n"},
	{"an extra command after configure", "rotation.go", "\t\tw.configure(c)\n", "\t\t" + sleep + "\n"},
	{"an extra command on an accepted swap", "rotation.go", "\tw.st.Changes++\n", "\tif r.name == Swap {\n\t\t" + sleep + "\n\t}\n"},
	{"an extra command on leave_shift", "rotation.go", "\tw.st.Changes++\n", "\tif r.name == LeaveShift {\n\t\t" + sleep + "\n\t}\n"},
	{"an extra command on cover", "rotation.go", "\tw.st.Changes++\n", "\tif r.name == Cover {\n\t\t" + sleep + "\n\t}\n"},
	{"an extra command on assign", "rotation.go", "\tw.st.Changes++\n", "\tif r.name == Assign {\n\t\t" + sleep + "\n\t}\n"},
	{"an extra command on unavailable", "rotation.go", "\tw.st.Changes++\n", "\tif r.name == Unavailable {\n\t\t" + sleep + "\n\t}\n"},
	{"an extra command on available", "rotation.go", "\tw.st.Changes++\n", "\tif r.name == Available {\n\t\t" + sleep + "\n\t}\n"},
	{"an extra command on pause", "rotation.go", "\tcase *PauseInput:\n", "\t\t" + sleep + "\n"},
	{"an extra command on a planning failure", "rotation.go", "func (w *rotation) planFailed(ctx workflow.Context, now time.Time, err error) {\n", "\t" + sleep + "\n"},
	{"an extra command on an unknown or bad signal", "rotation.go", "\tif r.op == nil {\n", "\t\t" + sleep + "\n"},
	{"an extra command on a failed send", "effects.go", "\t\t\tw.settle(now, out)\n", "\t\t\tif out.Error != \"\" {\n\t\t\t\t" + sleep + "\n\t\t\t}\n"},
	{"an extra command in a continued run", "rotation.go", "func (w *rotation) run(ctx workflow.Context) error {\n", "\tif w.st.Runs > 1 {\n\t\t" + sleep + "\n\t}\n"},
	{"an extra command on a calendar publication (PublishFeed)", "effects.go", "func (w *rotation) publishFeed(ctx workflow.Context, now time.Time, key string) {\n", "\t" + sleep + "\n"},
	{"an extra command when a feed's delta comes back", "effects.go", "\t\tif d.feed != nil {\n", "\t\t\t" + sleep + "\n"},
	{"an extra command on the handoff of a split shift", "rotation.go", "\t\tw.enqueueHandoff(ctx, now, sh, event)\n",
		"\t\tif sh.Split {\n\t\t\t" + sleep + "\n\t\t}\n"},
	{"an extra command on a change notice (slack-notices)", "effects.go", "\t\tif i >= 0 && w.st.Events[i].Seq > 0 && w.slackOn(ctx) {\n", "\t\t\t" + sleep + "\n"},
	{"an extra command on a pager sync (SyncPager)", "pager.go", "func (w *rotation) syncPager(ctx workflow.Context, now time.Time, e activities.Effect) {\n", "\t" + sleep + "\n"},
	{"an extra command when a drift check starts (WatchPager)", "pager.go", "\twx := &watch{pager: p.Tool, shift: sh.ID, cancel: cancel}\n", "\t" + sleep + "\n"},
	{"an extra command when nobody is on call (slack-notices)", "rotation.go", "\t\tw.enqueueNobody(now, last.ID, \"end\")\n", "\t\t" + sleep + "\n"},
}

// TestReplayCatchesEdits applies each edit (with go test -overlay, the
// sources untouched) and replays the recorded histories: every one must
// fail. It proves that the histories in testdata cover the production
// paths. ROTA_REPLAY_EDITS=0 skips it; -short too.
func TestReplayCatchesEdits(t *testing.T) {
	if testing.Short() || os.Getenv("ROTA_REPLAY_EDITS") == "0" {
		t.Skip("skipped (-short or ROTA_REPLAY_EDITS=0)")
	}
	if os.Getenv("ROTA_REPLAY_EDIT") != "" {
		t.Skip("inside an edit's run")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			src, err := os.ReadFile(e.file)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(src), e.anchor); n != 1 {
				t.Fatalf("anchor %q occurs %d times in %s, want once", e.anchor, n, e.file)
			}
			edited := strings.Replace(string(src), e.anchor, e.anchor+e.insert, 1)
			dir := t.TempDir()
			path := filepath.Join(dir, e.file)
			if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			abs, err := filepath.Abs(e.file)
			if err != nil {
				t.Fatal(err)
			}
			overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{abs: path}})
			ov := filepath.Join(dir, "overlay.json")
			if err := os.WriteFile(ov, overlay, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(goBin, "test", "-overlay", ov, "-count=1", "-run", "^TestReplay$", ".")
			cmd.Env = append(os.Environ(), "ROTA_REPLAY_EDIT="+e.name)
			out, err := cmd.CombinedOutput()
			switch {
			case err == nil:
				t.Errorf("replay passed with the edit: the histories miss this path\n%s", out)
			case !strings.Contains(string(out), "--- FAIL: TestReplay/"):
				t.Errorf("the edited code did not build or run:\n%s", out)
			}
		})
	}
}
