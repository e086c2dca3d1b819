package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"edustat/store"
)

var reviewCmd = &command{
	name:    "review",
	summary: "approve, return or unapprove units' submissions (逐级审核)",
	usage: `usage: edustat review --db DB [--round ROUND] approve|return|unapprove
                      --unit CODE...|--all [--reason TEXT] [--as ROLE[:UNIT]]

Review is the reviewer's desk on the command line. Each unit's submission
of record is reviewed by the level above: a county or zone reviews its
schools, the city bureau reviews counties, zones and schools directly under
the city.

  approve     审核通过. A submission with 逻辑错误 cannot be approved. A
              county's or zone's own form is approved only when all its
              schools are, or with --reason saying why not. Approval locks
              the unit's data: a new file for it is recorded but refused.
  return      退回 to the unit, which must send a corrected file; --reason
              is required and tells the clerk what to fix.
  unapprove   取消审核, by the approving level or the bureau: the unit is
              已报送 again and may send a corrected file.

Every step is recorded with who, when and why ('edustat round export'
writes the record). --unit may be given more than once, or as a list
separated by commas; each unit is reviewed on its own and the exit code is
1 when any could not be.

Flags:
      --db DB            the round database (required)
  -r, --round ROUND      the round (default: the database's only round)
  -u, --unit CODE        the unit to review (required)
      --reason TEXT      why: required for return
      --all              approve (or unapprove) every unit the reviewer reviews
                         that is ready: 已报送 without 逻辑错误 (已审核通过)
      --as ROLE[:UNIT]   who reviews: bureau (default), or county:CODE for a
                         county reviewing its schools
`,
}

func init() { reviewCmd.run = runReview }

func runReview(ctx context.Context, e *env, args []string) error {
	fs := flags(reviewCmd, e)
	dbFlag := fs.String("db", "", "the round database")
	round := fs.StringP("round", "r", "", "the round")
	units := fs.StringSliceP("unit", "u", nil, "units")
	reason := fs.String("reason", "", "why")
	as := fs.String("as", "bureau", "who reviews")
	all := fs.Bool("all", false, "every unit ready for the action")
	if err := parse(reviewCmd, e, fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("review: name one action: approve, return or unapprove")
	}
	action := fs.Arg(0)
	type reviewFunc func(ctx context.Context, round, unit, reason string, by store.Actor) error
	var do func(db *store.DB) reviewFunc
	label := map[string]string{"approve": "审核通过", "return": "已退回", "unapprove": "已取消审核"}[action]
	switch action {
	case "approve":
		do = func(db *store.DB) reviewFunc { return db.Approve }
	case "return":
		do = func(db *store.DB) reviewFunc { return db.Return }
		if strings.TrimSpace(*reason) == "" {
			return usageError("review return: --reason is required: tell the unit what to fix")
		}
	case "unapprove":
		do = func(db *store.DB) reviewFunc { return db.Unapprove }
	default:
		return usageError("review: unknown action %q: want approve, return or unapprove", action)
	}
	switch {
	case *all && len(*units) > 0:
		return usageError("review %s: give --unit or --all, not both", action)
	case *all && action == "return":
		return usageError("review return: name the units with --unit: each return needs its own reason")
	case !*all && len(*units) == 0:
		return usageError("review %s: --unit is required (or --all)", action)
	}
	by := cliActor()
	switch role, unit, _ := strings.Cut(*as, ":"); store.Role(role) {
	case store.RoleBureau:
	case store.RoleCounty:
		if unit == "" {
			return usageError("review: --as county needs the county's code, e.g. --as county:370811")
		}
		by.Role, by.Unit = store.RoleCounty, unit
	default:
		return usageError("review: --as %q: want bureau or county:CODE", *as)
	}
	db, code, err := openRound(ctx, *dbFlag, *round, "review "+action)
	if err != nil {
		return err
	}
	defer db.Close()
	if by.Role == store.RoleCounty {
		if st, err := db.UnitState(ctx, code, by.Unit); err != nil || st.Kind == "school" {
			return usageError("review: --as county:%s: not a county or zone of round %s", by.Unit, code)
		}
	}
	if *all {
		if *units, err = readyUnits(ctx, db, code, action, by); err != nil {
			return err
		}
		if len(*units) == 0 {
			fmt.Fprintf(e.stdout, "没有可以%s的单位\n", map[string]string{"approve": "审核通过", "unapprove": "取消审核"}[action])
			return nil
		}
	}
	failed := 0
	for _, u := range *units {
		err := do(db)(ctx, code, u, *reason, by)
		switch {
		case err == nil:
			st, err := db.UnitState(ctx, code, u)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s\t%s %s\t%s\n", label, st.Unit, st.Name, st.Label())
		case errors.Is(err, store.ErrForbidden), errors.Is(err, store.ErrState), errors.Is(err, store.ErrHasErrors),
			errors.Is(err, store.ErrSchoolsPending), errors.Is(err, store.ErrParentApproved), errors.Is(err, store.ErrNoUnit), errors.Is(err, store.ErrReason):
			failed++
			fmt.Fprintf(e.stdout, "未完成\t%s\t%s\n", u, reviewMessage(err))
		default:
			return err
		}
	}
	if failed > 0 {
		return errFound
	}
	return nil
}

// reviewMessage is the Chinese part of a review error (after the sentinel's
// English name).
func reviewMessage(err error) string {
	msg := err.Error()
	if _, zh, ok := strings.Cut(msg, ": "); ok {
		return zh
	}
	return msg
}

// readyUnits returns the units that by reviews and that are ready for the
// action: 已报送 without 逻辑错误 to approve, 已审核通过 to unapprove.
func readyUnits(ctx context.Context, db *store.DB, round, action string, by store.Actor) ([]string, error) {
	units, err := db.Units(ctx, round)
	if err != nil {
		return nil, err
	}
	area := map[string]bool{}
	for _, u := range units {
		if u.Kind != "school" {
			area[u.Unit] = true
		}
	}
	var out []string
	for _, u := range units {
		reviewer := ""
		if u.Kind == "school" && area[u.Parent] {
			reviewer = u.Parent
		}
		if by.Role == store.RoleCounty && reviewer != by.Unit || by.Role != store.RoleCounty && reviewer != "" {
			continue
		}
		if action == "approve" && u.State == store.Submitted && u.Errors == 0 || action == "unapprove" && u.State == store.Approved {
			out = append(out, u.Unit)
		}
	}
	return out, nil
}
