package mailbox

import (
	"context"
	"errors"
	"time"

	"edustat/mailing"
)

// ErrConnection is wrapped by every error of the IMAP connection once it
// is open: the network or the server went away, and connecting again may
// help.
var ErrConnection = errors.New("imap connection lost")

// Watching says how Watch waits and retries.
type Watching struct {
	// Idle is how long one IDLE lasts before the folder is checked anyway;
	// 0 means 5 minutes.
	Idle time.Duration
	// Backoff is the first pause after a failure, doubled after each next
	// one up to MaxBackoff; 0 means one second and 5 minutes.
	Backoff, MaxBackoff time.Duration
	// Log, when not nil, is told of each failure and pause.
	Log func(err error, pause time.Duration)
	// Pass, when not nil, is called after each pass over the folder.
	Pass func(Summary)
}

// Watch stays connected to the folder and handles every message as it
// arrives: a pass over the folder, then IDLE until the server reports new
// mail (or Idle passes), and again. When the connection breaks, or the
// SMTP server fails for a while, it connects again after a pause that grows
// up to MaxBackoff. It returns nil when ctx ends (Ctrl-C), and an error
// for what waiting cannot mend: a refused login, a missing folder, a
// store that fails, an SMTP login refused.
func (c *Collector) Watch(ctx context.Context, srv *Server, folder string, w Watching) error {
	idle, backoff, maxBackoff := w.Idle, w.Backoff, w.MaxBackoff
	if idle <= 0 {
		idle = 5 * time.Minute
	}
	if backoff <= 0 {
		backoff = time.Second
	}
	if maxBackoff <= 0 {
		maxBackoff = 5 * time.Minute
	}
	pause := backoff
	wait := func(err error) bool {
		if w.Log != nil {
			w.Log(err, pause)
		}
		t := time.NewTimer(pause)
		defer t.Stop()
		pause = min(2*pause, maxBackoff)
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	for ctx.Err() == nil {
		f, err := srv.Open(ctx, folder)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && !retryable(err):
			return err
		case err != nil:
			if !wait(err) {
				return nil
			}
			continue
		}
		err = c.serve(ctx, f, idle, w.Pass, func() { pause = backoff })
		f.Close()
		c.Sender.Close()
		switch {
		case ctx.Err() != nil:
			return nil
		case !retryable(err):
			return err
		case !wait(err):
			return nil
		}
	}
	return nil
}

// serve runs passes and waits on one connection until it fails.
func (c *Collector) serve(ctx context.Context, f *Folder, idle time.Duration, pass func(Summary), healthy func()) error {
	for {
		sum, err := c.Once(ctx, f)
		if pass != nil && (sum != Summary{} || err == nil) {
			pass(sum)
		}
		if err != nil {
			return err
		}
		healthy()
		if err := f.Wait(ctx, idle); err != nil {
			return err
		}
	}
}

// retryable reports whether connecting again later may mend err.
func retryable(err error) bool {
	var se *mailing.SendError
	switch {
	case errors.Is(err, ErrLogin), errors.Is(err, ErrNoFolder), errors.Is(err, ErrPlaintext):
		return false
	case errors.Is(err, ErrConnection):
		return true
	case errors.As(err, &se):
		return se.Failure == mailing.Temporary
	}
	return false
}
