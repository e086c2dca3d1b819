package validate

import (
	"encoding/json"
	"errors"
	"io"

	"edustat/catalog"
)

// report is the JSON report, modelled on the Frictionless validation
// report: one task per file, each with its stats and one entry per finding.
type report struct {
	Valid bool   `json:"valid"` // no file has an error-tier finding or could not be read
	Stats Totals `json:"stats"`
	Tasks []task `json:"tasks"`
}

type task struct {
	Name     string     `json:"name"`
	Unit     string     `json:"unit,omitempty"`
	UnitName string     `json:"unit_name,omitempty"`
	Round    string     `json:"round,omitempty"`
	Valid    bool       `json:"valid"`  // no error-tier finding
	Passed   bool       `json:"passed"` // and every warning explained (审核通过)
	Stats    taskStats  `json:"stats"`
	Errors   []Finding  `json:"errors"`
	Rules    RuleCounts `json:"rules"`
}

type taskStats struct {
	Errors    int `json:"errors"`
	Warnings  int `json:"warnings"` // unexplained
	Explained int `json:"explained"`
}

// WriteJSON writes the results as a JSON report modelled on the
// Frictionless report: {"valid", "stats", "tasks": [{"name", "unit",
// "valid", "stats", "errors": [finding…]}]}. A file that could not be read
// is a task with one finding of type file-error, encrypted-error,
// size-error, format-error or unknown-form.
func WriteJSON(w io.Writer, results []Result) error {
	rep := report{Stats: Count(results), Tasks: make([]task, 0, len(results))}
	rep.Valid = rep.Stats.Failed == 0 && rep.Stats.Unreadable == 0
	for _, r := range results {
		t := task{Name: r.File, Errors: []Finding{}}
		if r.Sub == nil {
			t.Errors = append(t.Errors, Finding{Type: errorType(r.Err), Tier: catalog.Error, Message: r.Err.Error()})
			t.Stats.Errors = 1
			rep.Tasks = append(rep.Tasks, t)
			continue
		}
		s := r.Sub
		t.Unit, t.UnitName, t.Round = s.Unit, s.UnitName, s.Round
		t.Valid, t.Passed = !s.HasErrors(), s.Passed()
		t.Stats = taskStats{Errors: s.Count(catalog.Error, false), Warnings: s.Count(catalog.Warning, false), Explained: s.Count(catalog.Warning, true)}
		t.Errors = append(t.Errors, s.Findings...)
		t.Rules = s.Rules
		rep.Tasks = append(rep.Tasks, t)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// errorType names why a file could not be read, as a finding type.
func errorType(err error) string {
	switch {
	case errors.Is(err, ErrEncrypted):
		return "encrypted-error"
	case errors.Is(err, ErrTooLarge):
		return "size-error"
	case errors.Is(err, ErrNotWorkbook), errors.Is(err, ErrLegacy):
		return "format-error"
	case errors.Is(err, ErrUnknownForm):
		return "unknown-form"
	}
	return "file-error"
}
