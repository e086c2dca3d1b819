package validate

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriteJSON(t *testing.T) {
	results := outputResults(t)
	var b strings.Builder
	if err := WriteJSON(&b, results); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Valid bool           `json:"valid"`
		Stats map[string]int `json:"stats"`
		Tasks []struct {
			Name   string           `json:"name"`
			Unit   string           `json:"unit"`
			Valid  bool             `json:"valid"`
			Passed bool             `json:"passed"`
			Stats  map[string]int   `json:"stats"`
			Errors []map[string]any `json:"errors"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal([]byte(b.String()), &rep); err != nil {
		t.Fatalf("WriteJSON wrote invalid JSON: %v\n%s", err, b.String())
	}
	if rep.Valid {
		t.Error("valid = true for a batch with an error and an unreadable file")
	}
	wantStats := map[string]int{"tasks": 3, "unreadable": 1, "failed": 1, "errors": 1, "warnings": 1, "explained": 1}
	if diff := cmp.Diff(wantStats, rep.Stats); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if len(rep.Tasks) != 3 {
		t.Fatalf("%d tasks, want 3", len(rep.Tasks))
	}
	for i, r := range results {
		task := rep.Tasks[i]
		if task.Name != r.File {
			t.Errorf("task %d is %s, want %s", i, task.Name, r.File)
		}
		want := 1 // the unreadable file's error
		if r.Sub != nil {
			want = len(r.Sub.Findings)
		}
		if len(task.Errors) != want {
			t.Errorf("task %s: %d entries, want one per finding (%d)", task.Name, len(task.Errors), want)
		}
	}
	first := rep.Tasks[0].Errors[0]
	for key, want := range map[string]any{
		"type": "rule-error", "tier": "warning", "explained": true, "explanation": "一所改建未列入清单", "rule": "R003",
		"sheet": "学前教育", "cell": "E7", "indicator": "KG_BUILT", "value": "3", "expected": "KG_BUILT == len(KGP_NAME)",
		"message": "3与清单中的幼儿园个数不一致",
	} {
		if first[key] != want {
			t.Errorf("first finding %s = %v, want %v", key, first[key], want)
		}
	}
	if got := rep.Tasks[2].Errors[0]["type"]; got != "format-error" {
		t.Errorf("unreadable file's entry has type %v, want format-error", got)
	}
	if !rep.Tasks[1].Valid || !rep.Tasks[1].Passed || rep.Tasks[0].Valid {
		t.Errorf("task validity: %v %v %v", rep.Tasks[0].Valid, rep.Tasks[1].Valid, rep.Tasks[1].Passed)
	}
}
