// Package mailing sends each unit the collection workbook made for it, by
// email: it plans which units to send to from a send log, composes one
// message per unit from a text template with the workbook attached, and
// delivers it over SMTP or writes it as an .eml file for review.
package mailing

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"edustat/roster"
)

// Action says what a run does with a unit.
type Action int

// Actions.
const (
	Send      Action = iota // send the unit its template
	Skip                    // it was sent this template before
	NoAddress               // the unit has no email address
)

func (a Action) String() string {
	switch a {
	case Send:
		return "send"
	case Skip:
		return "skip"
	case NoAddress:
		return "no address"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Reasons for an Action, in Item.Why.
const (
	WhyNew       = "new"        // never sent in this round
	WhyChanged   = "changed"    // the template changed since it was sent
	WhyAddresses = "addresses"  // the unit has an address the template was not sent to
	WhyResend    = "resend"     // asked for with Resend
	WhySent      = "sent"       // skipped: sent before
	WhyNoAddress = "no address" // skipped: nowhere to send it
)

// An Item is the plan for one unit.
type Item struct {
	Unit   *roster.Unit
	File   string   // the path of the unit's template
	To     []string // the unit's addresses
	SHA256 string   // of the template, hex; "" when it cannot be read
	Action Action
	Why    string
	Err    error    // the template cannot be read: the unit fails
	Sent   []Record // earlier successful sends of this round, oldest first
}

// PlanOptions say where the templates are and which units to force.
type PlanOptions struct {
	Round string
	Dir   string // the directory of the templates

	// FileName returns the file name of a unit's template in Dir, such as
	// templates.FileName for the round. It is required.
	FileName func(*roster.Unit) string

	// Resend lists codes of units to send even when they were sent before.
	Resend []string
}

// Plan decides for each unit whether to send it its template. A unit is
// sent when the log has no successful send of this round to it, when its
// template changed since (by SHA-256), when it has an address the last send
// did not go to, or when its code is in opt.Resend. A unit without an
// address is never sent. A template that cannot be read leaves the item's
// Action at Send with Err set, for the run to report.
func Plan(units []*roster.Unit, log *Log, opt PlanOptions) []Item {
	items := make([]Item, 0, len(units))
	for _, u := range units {
		it := Item{
			Unit: u,
			File: filepath.Join(opt.Dir, opt.FileName(u)),
			To:   u.Emails(),
		}
		if log != nil {
			it.Sent = log.Sent(opt.Round, u.Code)
		}
		if len(it.To) == 0 {
			it.Action, it.Why = NoAddress, WhyNoAddress
			items = append(items, it)
			continue
		}
		it.SHA256, it.Err = hashFile(it.File)
		it.Action, it.Why = decide(it, slices.Contains(opt.Resend, u.Code))
		items = append(items, it)
	}
	return items
}

func decide(it Item, force bool) (Action, string) {
	switch {
	case force:
		return Send, WhyResend
	case it.Err != nil || len(it.Sent) == 0:
		return Send, WhyNew
	}
	last := it.Sent[len(it.Sent)-1]
	if last.SHA256 != it.SHA256 {
		return Send, WhyChanged
	}
	for _, a := range it.To {
		if !slices.Contains(last.To, a) {
			return Send, WhyAddresses
		}
	}
	return Skip, WhySent
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("template %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
