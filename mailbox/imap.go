package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"edustat/mailing"
)

// Errors of the IMAP connection, for errors.Is.
var (
	ErrLogin     = errors.New("imap login failed")
	ErrPlaintext = errors.New("refusing to send the password over an unencrypted connection")
	ErrNoFolder  = errors.New("no such folder")
)

// DoneFlag is the keyword a handled message gets where it cannot be moved
// to the done folder; messages with it are not read again.
const DoneFlag imap.Flag = "$EdustatDone"

// Server says how to reach the bureau's mailbox.
type Server struct {
	Addr     string // host:port
	TLS      mailing.TLSMode
	User     string
	Password string

	// TLSConfig is used for TLS and STARTTLS; nil verifies the server
	// against the system's roots.
	TLSConfig *tls.Config

	// Timeout bounds connecting and each command; 0 means one minute.
	Timeout time.Duration
}

func (s *Server) timeout() time.Duration {
	if s.Timeout <= 0 {
		return time.Minute
	}
	return s.Timeout
}

// A Folder is a connection to the mailbox with one folder selected.
type Folder struct {
	srv  *Server
	name string
	c    *imapclient.Client
	conn *deadlineConn

	updates chan struct{} // a token when the server reports new mail
	stop    func() bool   // stops closing the connection on ctx's end

	doneReady map[string]bool // done folders known to exist
}

// Open connects, logs in and selects folder. Cancelling ctx closes the
// connection, which ends any command in flight.
func (s *Server) Open(ctx context.Context, folder string) (*Folder, error) {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return nil, fmt.Errorf("imap server %q: want HOST:PORT", s.Addr)
	}
	if s.TLS == mailing.TLSNone && !loopback(host) {
		return nil, fmt.Errorf("imap server %s: %w (use --tls tls or starttls; none is for loopback tests)", s.Addr, ErrPlaintext)
	}
	d := &net.Dialer{Timeout: s.timeout(), KeepAlive: 30 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return nil, fmt.Errorf("imap server %s: %w: %w", s.Addr, ErrConnection, err)
	}
	f := &Folder{srv: s, name: folder, updates: make(chan struct{}, 1), doneReady: map[string]bool{}}
	f.conn = &deadlineConn{Conn: raw}
	f.conn.extend(s.timeout())
	opts := &imapclient.Options{
		WordDecoder: wordDecoder,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					f.notify()
				}
			},
		},
	}
	tc := s.TLSConfig
	if tc == nil {
		tc = &tls.Config{}
	}
	tc = tc.Clone()
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	switch s.TLS {
	case mailing.TLS:
		tconn := tls.Client(f.conn, tc)
		if err := tconn.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("imap server %s: tls: %w", s.Addr, err) // a certificate refused: no use trying again
		}
		f.c = imapclient.New(tconn, opts)
	case mailing.STARTTLS:
		opts.TLSConfig = tc
		if f.c, err = imapclient.NewStartTLS(f.conn, opts); err != nil {
			raw.Close()
			return nil, fmt.Errorf("imap server %s: starttls: %w", s.Addr, err)
		}
	case mailing.TLSNone:
		f.c = imapclient.New(f.conn, opts)
	default:
		raw.Close()
		return nil, fmt.Errorf("tls mode %q: want tls, starttls or none", s.TLS)
	}
	f.stop = context.AfterFunc(ctx, func() { f.c.Close() })
	if err := f.c.WaitGreeting(); err != nil {
		err = f.fail(ctx, "greeting", err)
		f.Close()
		return nil, err
	}
	if err := f.c.Login(s.User, s.Password).Wait(); err != nil {
		if !isNetError(err) && ctx.Err() == nil && !f.gone() {
			err = fmt.Errorf("imap server %s: user %s: %w: %v", s.Addr, s.User, ErrLogin, err)
		} else {
			err = f.fail(ctx, "login", err)
		}
		f.Close()
		return nil, err
	}
	f.conn.extend(s.timeout())
	if _, err := f.c.Select(folder, nil).Wait(); err != nil {
		if !isNetError(err) && ctx.Err() == nil && !f.gone() {
			err = fmt.Errorf("imap server %s: folder %s: %w: %v", s.Addr, folder, ErrNoFolder, err)
		} else {
			err = f.fail(ctx, "select", err)
		}
		f.Close()
		return nil, err
	}
	return f, nil
}

// fail names the step that failed. Network failures wrap ErrConnection.
func (f *Folder) fail(ctx context.Context, step string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if isNetError(err) || f.gone() {
		return fmt.Errorf("imap server %s: %s: %w: %w", f.srv.Addr, step, ErrConnection, err)
	}
	return fmt.Errorf("imap server %s: %s: %w", f.srv.Addr, step, err)
}

// gone reports whether the connection is closed.
func (f *Folder) gone() bool {
	select {
	case <-f.c.Closed():
		return true
	default:
		return false
	}
}

func (f *Folder) notify() {
	select {
	case f.updates <- struct{}{}:
	default:
	}
}

// Close logs out and closes the connection.
func (f *Folder) Close() error {
	if f.stop != nil {
		f.stop()
	}
	f.conn.extend(5 * time.Second)
	f.c.Logout().Wait()
	return f.c.Close()
}

// Closed is closed when the connection is gone.
func (f *Folder) Closed() <-chan struct{} { return f.c.Closed() }

// Pending returns the UIDs of the messages in the folder not yet handled,
// oldest first: those not deleted and without DoneFlag.
func (f *Folder) Pending(ctx context.Context) ([]imap.UID, error) {
	f.conn.extend(f.srv.timeout())
	data, err := f.c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted, DoneFlag}}, nil).Wait()
	if err != nil {
		return nil, f.fail(ctx, "search", err)
	}
	return data.AllUIDs(), nil
}

// Fetch returns the raw message uid, or, when it is larger than max bytes,
// only its header with tooLarge set.
func (f *Folder) Fetch(ctx context.Context, uid imap.UID, max int64) (raw []byte, size int64, tooLarge bool, err error) {
	f.conn.extend(f.srv.timeout())
	set := imap.UIDSetNum(uid)
	msgs, err := f.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, 0, false, f.fail(ctx, "fetch size", err)
	}
	if len(msgs) == 0 {
		return nil, 0, false, nil // gone meanwhile
	}
	size = msgs[0].RFC822Size
	section := &imap.FetchItemBodySection{Peek: true}
	if size > max {
		tooLarge = true
		section.Specifier = imap.PartSpecifierHeader
	}
	// Large messages take longer than one command's timeout.
	f.conn.extend(f.srv.timeout() + time.Duration(size/(256<<10))*time.Second)
	msgs, err = f.c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return nil, 0, false, f.fail(ctx, "fetch", err)
	}
	if len(msgs) == 0 {
		return nil, 0, false, nil
	}
	// What comes next is local work (validating, replying), which may take
	// longer than a command: the next command sets a short deadline again.
	f.conn.extend(30 * time.Minute)
	return msgs[0].FindBodySection(section), size, tooLarge, nil
}

// Done takes message uid out of the folder: it moves it to the folder
// done (made when missing), or, where the server cannot move messages
// safely or the folder cannot be made, flags it with DoneFlag and \Seen. It
// reports whether the message was moved.
func (f *Folder) Done(ctx context.Context, uid imap.UID, done string) (moved bool, err error) {
	f.conn.extend(f.srv.timeout())
	set := imap.UIDSetNum(uid)
	caps := f.c.Caps()
	canMove := caps.Has(imap.CapMove) || caps.Has(imap.CapIMAP4rev2)
	canCopy := caps.Has(imap.CapUIDPlus) // COPY, STORE \Deleted, UID EXPUNGE of this message alone
	if done != "" && (canMove || canCopy) && f.ensure(done) {
		if canMove {
			if _, err := f.c.Move(set, done).Wait(); err != nil {
				return false, f.fail(ctx, "move to "+done, err)
			}
			return true, nil
		}
		if _, err := f.c.Copy(set, done).Wait(); err != nil {
			return false, f.fail(ctx, "copy to "+done, err)
		}
		if err := f.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted, DoneFlag}}, nil).Close(); err != nil {
			return false, f.fail(ctx, "flag deleted", err)
		}
		if err := f.c.UIDExpunge(set).Close(); err != nil {
			return false, f.fail(ctx, "expunge", err)
		}
		return true, nil
	}
	if err := f.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{DoneFlag, imap.FlagSeen}}, nil).Close(); err != nil {
		return false, f.fail(ctx, "flag done", err)
	}
	return false, nil
}

// ensure makes sure the folder name exists, and reports whether it does.
func (f *Folder) ensure(name string) bool {
	if f.doneReady[name] {
		return true
	}
	list, err := f.c.List("", name, nil).Collect()
	if err == nil && len(list) == 0 {
		err = f.c.Create(name, nil).Wait()
		if err == nil {
			f.c.Subscribe(name).Wait()
		}
	}
	f.doneReady[name] = err == nil
	return err == nil
}

// Wait waits, in IDLE, until the server reports new mail, for at most max,
// or until ctx ends or the connection breaks. Without IDLE it sleeps max
// and polls.
func (f *Folder) Wait(ctx context.Context, max time.Duration) error {
	if !f.c.Caps().Has(imap.CapIdle) && !f.c.Caps().Has(imap.CapIMAP4rev2) {
		return f.sleep(ctx, max)
	}
	f.conn.extend(max + f.srv.timeout())
	idle, err := f.c.Idle()
	if err != nil {
		return f.fail(ctx, "idle", err)
	}
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-f.updates:
	case <-t.C:
	case <-ctx.Done():
	case <-f.c.Closed():
	}
	f.conn.extend(f.srv.timeout())
	if err := idle.Close(); err != nil {
		return f.fail(ctx, "idle", err)
	}
	if err := idle.Wait(); err != nil {
		return f.fail(ctx, "idle", err)
	}
	return ctx.Err()
}

func (f *Folder) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		f.conn.extend(f.srv.timeout())
		if err := f.c.Noop().Wait(); err != nil {
			return f.fail(ctx, "noop", err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-f.c.Closed():
		return f.fail(ctx, "poll", errors.New("connection closed"))
	}
}

// deadlineConn is a connection whose every read and write must finish by
// a deadline the folder extends before each command, so that a dead
// network shows as an error instead of a hang.
type deadlineConn struct {
	net.Conn
}

func (c *deadlineConn) extend(d time.Duration) { c.Conn.SetDeadline(time.Now().Add(d)) }

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
