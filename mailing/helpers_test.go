package mailing_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"edustat/mailing"
	"edustat/roster"
)

const round = "2021"

const testTemplate = `Subject: {{.Round}}年度数据采集表：{{.Unit.Name}}

{{.Unit.Name}}（{{.Unit.Code}}）：
附件《{{.FileName}}》请于{{.Deadline}}前填好回复。联系人：{{.Contact}}
`

func fileName(u *roster.Unit) string { return round + "_" + u.Code + "_" + u.Name + ".xlsx" }

// fixture writes a template for each of four units, one without an
// address, and returns the directory and the units.
func fixture(t *testing.T) (string, []*roster.Unit) {
	t.Helper()
	r, err := roster.New([]*roster.Unit{
		{Code: "370811", Name: "任城区", Kind: roster.County, Email: "rencheng@example.cn"},
		{Code: "370812", Name: "兖州区", Kind: roster.County, Email: "yanzhou@example.cn; 统计科 <tongji@yanzhou.example.cn>"},
		{Code: "370826", Name: "微山县", Kind: roster.County, Email: "weishan@example.cn"},
		{Code: "370890", Name: "太白湖新区", Kind: roster.Zone},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, u := range r.Units {
		writeTemplate(t, dir, u, "")
	}
	return dir, r.Units
}

// writeTemplate writes a fake workbook for u: every byte value, so that
// any damage in transit shows.
func writeTemplate(t *testing.T, dir string, u *roster.Unit, extra string) []byte {
	t.Helper()
	data := []byte("PK\x03\x04" + u.Code + extra)
	for range 40 {
		for b := range 256 {
			data = append(data, byte(b))
		}
	}
	if err := os.WriteFile(filepath.Join(dir, fileName(u)), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

func readTemplate(t *testing.T, dir string, u *roster.Unit) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, fileName(u)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// outcome is what a run did.
type outcome struct {
	sum     mailing.Summary
	err     error
	results map[string]mailing.Result // by unit code
	items   []mailing.Item
}

// run plans and runs a batch over dir with sender, as edustat send does.
func run(t *testing.T, dir string, units []*roster.Unit, sender mailing.Sender, resend ...string) outcome {
	t.Helper()
	log, err := mailing.OpenLog(filepath.Join(dir, mailing.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	return runLog(t, dir, units, sender, log, resend...)
}

func runLog(t *testing.T, dir string, units []*roster.Unit, sender mailing.Sender, log *mailing.Log, resend ...string) outcome {
	t.Helper()
	tmpl, err := mailing.ParseTemplate("test", testTemplate)
	if err != nil {
		t.Fatal(err)
	}
	items := mailing.Plan(units, log, mailing.PlanOptions{Round: round, Dir: dir, FileName: fileName, Resend: resend})
	o := outcome{results: map[string]mailing.Result{}, items: items}
	b := &mailing.Batch{
		Sender:   sender,
		Letter:   &mailing.Letter{Template: tmpl, From: "市教育局 <tongji@jining.example.cn>", Round: round, Deadline: "2021年9月30日", Contact: "统计科 0537-1234567"},
		Log:      log,
		Attempts: 3,
		Backoff:  time.Millisecond,
		Now:      func() time.Time { return time.Date(2021, 9, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)) },
		Report: func(r mailing.Result) {
			if _, dup := o.results[r.Item.Unit.Code]; dup {
				t.Errorf("unit %s reported twice", r.Item.Unit.Code)
			}
			o.results[r.Item.Unit.Code] = r
		},
	}
	if _, dry := sender.(*mailing.EMLDir); dry {
		b.Log = nil
	}
	o.sum, o.err = b.Run(context.Background(), items)
	if err := sender.Close(); err != nil && o.err == nil {
		t.Errorf("Close: %v", err)
	}
	return o
}

func (o outcome) String() string {
	return fmt.Sprintf("%+v err=%v", o.sum, o.err)
}
