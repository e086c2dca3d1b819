package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"edustat/consolidate"
	"edustat/seeds"
	"edustat/store"
)

// The round database the demo loads its round into, under its output
// directory, with the files SQLite keeps beside it.
const dbFile = "edustat.db"

var dbFiles = []string{dbFile, dbFile + "-wal", dbFile + "-shm"}

// stored is what the store step did.
type stored struct {
	outcomes map[store.Outcome]int
	approved int
	returned []store.UnitState
	pending  []string // counties and zones approved with a reason
	same     bool     // the database consolidates to the folder's figures
}

// store loads the round into a round database, as 'edustat round init'
// and 'edustat intake' do, and reviews it: each county approves its clean
// schools and returns the ones with errors, then the bureau approves the
// counties and zones. It checks that the database consolidates to the
// figures the folder gave.
func (d *demo) store(ctx context.Context) error {
	catYAML, err := seeds.FS.ReadFile(seeds.CatalogFile)
	if err != nil {
		return err
	}
	units, err := seeds.FS.ReadFile(seeds.UnitsFile)
	if err != nil {
		return err
	}
	spec := store.RoundSpec{Code: d.round.Name, Catalog: catYAML, Units: units, UnitsName: seeds.UnitsFile,
		Deadline: d.round.Deadline.Format(time.DateOnly)}
	if d.priorFile != "" {
		if spec.Prior, err = os.ReadFile(d.path(d.priorFile)); err != nil {
			return err
		}
		spec.PriorName = d.priorFile
	}
	db, err := store.Open(ctx, d.path(dbFile))
	if err != nil {
		return err
	}
	defer db.Close()
	demoActor := store.Actor{Role: store.RoleBureau, Name: "demo", From: "cli"}
	if err := db.InitRound(ctx, spec, demoActor); err != nil {
		return err
	}
	d.stored = &stored{outcomes: map[store.Outcome]int{}}
	for _, rel := range d.files {
		data, err := os.ReadFile(d.path(rel))
		if err != nil {
			return err
		}
		st, err := os.Stat(d.path(rel))
		if err != nil {
			return err
		}
		rc, err := db.Submit(ctx, spec.Code, rel, data, store.Source{Kind: "folder", Name: dirSubmissions, At: st.ModTime()}, demoActor)
		if err != nil {
			return err
		}
		d.stored.outcomes[rc.Outcome]++
	}
	if err := d.review(ctx, db, spec.Code); err != nil {
		return err
	}
	subs, err := db.Submissions(ctx, spec.Code, store.UseLatest)
	if err != nil {
		return err
	}
	sum, err := consolidate.Build(subs, consolidate.Options{Catalog: d.c, Roster: d.ros, Round: d.round.Name, Prior: d.prior, Deadline: d.round.Deadline})
	if err != nil {
		return err
	}
	var a, b bytes.Buffer
	if err := sum.WriteCSV(&a); err != nil {
		return err
	}
	if err := d.sum.WriteCSV(&b); err != nil {
		return err
	}
	d.stored.same = bytes.Equal(a.Bytes(), b.Bytes())
	return nil
}

// review is the demo's 逐级审核: counties review their schools, then the
// bureau the counties and zones.
func (d *demo) review(ctx context.Context, db *store.DB, round string) error {
	units, err := db.Units(ctx, round)
	if err != nil {
		return err
	}
	bureau := store.Actor{Role: store.RoleBureau, Name: "市教育局", From: "cli"}
	for _, pass := range []bool{true, false} {
		for _, u := range units {
			if (u.Kind == "school") != pass || u.State != store.Submitted {
				continue
			}
			by := bureau
			if u.Kind == "school" && u.Parent != "" {
				by = store.Actor{Role: store.RoleCounty, Unit: u.Parent, Name: d.ros.Unit(u.Parent).Name, From: "cli"}
			}
			if u.Errors > 0 {
				reason := fmt.Sprintf("有%d条逻辑错误，请按审核报告改正后重新报送", u.Errors)
				if err := db.Return(ctx, round, u.Unit, reason, by); err != nil {
					return err
				}
				continue
			}
			reason := ""
			if !pass {
				pending := 0
				for _, s := range units {
					if s.Parent == u.Unit && s.Kind == "school" {
						if st, err := db.UnitState(ctx, round, s.Unit); err == nil && st.State != store.Approved {
							pending++
						}
					}
				}
				if pending > 0 {
					reason = "县级报表各项合计已核对；未通过的学校另行跟进"
					d.stored.pending = append(d.stored.pending, u.Name)
				}
			}
			if err := db.Approve(ctx, round, u.Unit, reason, by); err != nil {
				return err
			}
		}
	}
	after, err := db.Units(ctx, round)
	if err != nil {
		return err
	}
	for _, u := range after {
		switch u.State {
		case store.Approved:
			d.stored.approved++
		case store.Returned:
			d.stored.returned = append(d.stored.returned, u)
		}
	}
	return nil
}

// reportStore prints what the store step did.
func (d *demo) reportStore(w io.Writer) {
	s := d.stored
	if s == nil {
		return
	}
	fmt.Fprintf(w, "\n数据库：%s\n", d.path(dbFile))
	fmt.Fprintf(w, "  收取 %d 个文件：新报送 %d 个，重复 %d 个，已拒收 %d 个\n", len(d.files), s.outcomes[store.New], s.outcomes[store.Duplicate], s.outcomes[store.Refused])
	fmt.Fprintf(w, "  逐级审核：各县区审核所属学校，市教育局审核县区：已审核通过 %d 个单位", s.approved)
	if len(s.pending) > 0 {
		fmt.Fprintf(w, "（其中 %d 个县区有学校未通过，写明理由后通过）", len(s.pending))
	}
	fmt.Fprintln(w)
	for _, u := range s.returned {
		fmt.Fprintf(w, "  已退回  %s %s：%s\n", u.Unit, u.Name, u.Reason)
	}
	if s.same {
		fmt.Fprintf(w, "  从数据库汇总与从文件夹汇总的结果一致\n")
	} else {
		fmt.Fprintf(w, "  从数据库汇总与从文件夹汇总的结果不一致！\n")
	}
	fmt.Fprintf(w, "  下一步：edustat status --db %s；edustat review --db %s …；edustat round export --db %s --out 导出\n",
		d.path(dbFile), d.path(dbFile), d.path(dbFile))
}
