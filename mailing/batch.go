package mailing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// A Batch sends the messages of a plan, one unit after another.
type Batch struct {
	Sender Sender
	Letter *Letter
	Log    *Log // where each send is recorded; nil records nothing (dry runs)

	// Attempts is how often a message is tried when it fails for a
	// temporary reason (an SMTP 4xx reply, a broken connection); 0 means 3.
	Attempts int
	// Backoff is the pause after the first temporary failure, doubled
	// after each next one; 0 means one second.
	Backoff time.Duration

	// Now gives the Date of each message; nil means time.Now.
	Now func() time.Time

	// Report, when not nil, is called with the result of each item, in
	// order, as soon as it is known.
	Report func(Result)
}

// A Result is what became of one item.
type Result struct {
	Item      *Item
	MessageID string // of the message sent, or tried
	Attempts  int
	Err       error // why the unit failed; nil for sent and skipped items
}

// Summary counts the results of a run.
type Summary struct {
	Sent, Skipped, Failed, NoAddress int

	// Unsent counts the units to send that were not tried because the run
	// stopped.
	Unsent int
}

// Run sends each item planned for sending and reports every item. A unit
// fails alone when its message cannot be delivered (an address refused, a
// missing template), and the run goes on; the run stops with an error when
// no message could be sent (authentication failed, the server cannot be
// reached after the retries, the template is broken) or when a send cannot
// be recorded in the log.
func (b *Batch) Run(ctx context.Context, items []Item) (Summary, error) {
	var sum Summary
	for i := range items {
		it := &items[i]
		var r Result
		switch it.Action {
		case Skip:
			sum.Skipped++
		case NoAddress:
			sum.NoAddress++
		default:
			var err error
			r, err = b.send(ctx, it)
			if err != nil {
				for _, rest := range items[i:] {
					if rest.Action == Send {
						sum.Unsent++
					}
				}
				return sum, err
			}
			if r.Err != nil {
				sum.Failed++
			} else {
				sum.Sent++
			}
		}
		r.Item = it
		if b.Report != nil {
			b.Report(r)
		}
	}
	return sum, nil
}

// send sends one item. A unit's failure is in the result; an error stops
// the run.
func (b *Batch) send(ctx context.Context, it *Item) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	r := Result{Item: it}
	if it.Err != nil {
		r.Err = it.Err
		return r, b.record(it, "", "", r.Err)
	}
	data, err := os.ReadFile(it.File)
	if err != nil {
		r.Err = fmt.Errorf("template: %w", err)
		return r, b.record(it, "", "", r.Err)
	}
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	msg, err := b.Letter.Compose(Message{
		Unit: it.Unit, To: it.To, FileName: filepath.Base(it.File), Attachment: data,
		Seq: len(it.Sent) + 1, Date: b.now(),
	})
	var ae *AddressError
	switch {
	case errors.As(err, &ae):
		r.Err = err
		return r, b.record(it, sum, "", r.Err)
	case err != nil:
		return r, err
	}
	r.MessageID = msg.GetMessageID()
	attempts := b.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	// The send is recorded the moment the server accepts it, before the
	// session goes on: a run killed after the acceptance must not mail
	// the unit again.
	var recorded bool
	var recordErr error
	accepted := func() error {
		recorded, recordErr = true, b.record(it, sum, r.MessageID, nil)
		return recordErr
	}
	for r.Attempts = 1; ; r.Attempts++ {
		if as, ok := b.Sender.(AcceptingSender); ok {
			err = as.SendAccepted(ctx, msg, accepted)
		} else if err = b.Sender.Send(ctx, msg); err == nil {
			err = accepted()
		}
		if recorded {
			if recordErr != nil {
				return r, fmt.Errorf("unit %s was sent but the send was not recorded (a rerun will send it again): %w", it.Unit.Code, recordErr)
			}
			return r, nil
		}
		if err == nil {
			return r, errors.New("mailing: the sender neither sent nor failed") // a Sender's bug
		}
		var se *SendError
		if !errors.As(err, &se) {
			se = &SendError{Failure: Fatal, Err: err}
		}
		if se.Failure == Temporary && r.Attempts < attempts {
			if err := b.pause(ctx, r.Attempts); err != nil {
				return r, err
			}
			continue
		}
		if se.Failure == Fatal || se.Failure == Temporary && se.Code == 0 {
			// A dead connection after the retries: no message would go.
			return r, err
		}
		r.Err = err
		return r, b.record(it, sum, r.MessageID, r.Err)
	}
}

// record appends the outcome of sending it to the log.
func (b *Batch) record(it *Item, sum, id string, failure error) error {
	if b.Log == nil {
		return nil
	}
	rec := Record{
		Time: b.now().UTC(), Round: b.Letter.Round, Unit: it.Unit.Code, Name: it.Unit.Name,
		File: filepath.Base(it.File), SHA256: sum, To: it.To, MessageID: id, Result: ResultSent,
	}
	if failure != nil {
		rec.Result, rec.Error = ResultFailed, failure.Error()
	}
	return b.Log.Append(rec)
}

func (b *Batch) pause(ctx context.Context, attempt int) error {
	d := b.Backoff
	if d <= 0 {
		d = time.Second
	}
	d <<= attempt - 1
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (b *Batch) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}
