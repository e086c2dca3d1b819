package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// Errors a caller can test with errors.Is.
var (
	ErrNewerSchema    = errors.New("database was written by a newer edustat")
	ErrOpen           = errors.New("database cannot be opened")
	ErrNoRound        = errors.New("no such round")
	ErrRoundExists    = errors.New("round already exists")
	ErrNoUnit         = errors.New("unit not in the round's roster")
	ErrNoVersion      = errors.New("no such version")
	ErrCorrupt        = errors.New("round database is damaged")
	ErrForbidden      = errors.New("not allowed for this actor")
	ErrHasErrors      = errors.New("submission has unresolved errors")
	ErrSchoolsPending = errors.New("schools not all approved")
	ErrState          = errors.New("transition not allowed in this state")
	ErrReason         = errors.New("a reason is required")
	ErrParentApproved = errors.New("the level above has approved")
)

// dialect is the SQL flavour of the database.
type dialect int

const (
	sqlite dialect = iota
	postgres
)

// DB is an open round database. It is safe for concurrent use, also by
// several processes on one SQLite file or one PostgreSQL database.
type DB struct {
	sql     *sql.DB
	dialect dialect
	name    string // the DSN as given, with any password removed, for messages

	wmu         sync.Mutex // SQLite: one writer of this process at a time (see write)
	mu          sync.Mutex
	rounds      map[string]*Round    // parsed rounds by code (catalog and roster never change)
	stmts       map[string]*sql.Stmt // prepared statements of the write path by query (stmt.go)
	preparing   map[string]bool      // queries being prepared (stmt.go)
	stmtsClosed bool                 // closeStmts has run: nothing more is prepared
}

// IsURL reports whether dsn names a PostgreSQL database rather than a file.
func IsURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the round database dsn: a postgres:// URL, or the path of an
// SQLite file, which is created when it does not exist. It applies every
// migration the database lacks; a database with migrations this edustat
// does not know fails with ErrNewerSchema. Other failures wrap ErrOpen and
// say what to do.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{rounds: map[string]*Round{}}
	var err error
	if IsURL(dsn) {
		db.dialect, db.name = postgres, redact(dsn)
		db.sql, err = sql.Open("pgx", dsn)
		if err == nil {
			db.sql.SetMaxOpenConns(8)
			db.sql.SetConnMaxIdleTime(time.Minute)
		}
	} else {
		db.dialect, db.name = sqlite, dsn
		if err := checkPath(dsn); err != nil {
			return nil, err
		}
		// WAL lets readers run beside the one writer; immediate
		// transactions take the write lock at BEGIN, so two writers wait
		// for each other (busy timeout) instead of failing half-way.
		db.sql, err = sql.Open("sqlite", dsn+"?_pragma=busy_timeout(60000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=temp_store(memory)&_txlock=immediate")
		if err == nil {
			db.sql.SetMaxOpenConns(4)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrOpen, db.name, err)
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return nil, db.openError(err)
	}
	if err := db.migrate(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}
	return db, nil
}

// checkPath refuses SQLite paths the driver would misread, and a directory
// that does not exist.
func checkPath(path string) error {
	switch {
	case path == "":
		return fmt.Errorf("%w: no database given: name an SQLite file (edustat.db) or a postgres:// URL", ErrOpen)
	case strings.ContainsAny(path, "?#"):
		return fmt.Errorf("%w: %s: an SQLite file name may not contain ? or #: choose another name", ErrOpen, path)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%w: %s is a directory: name a file inside it, e.g. %s", ErrOpen, path, filepath.Join(path, "edustat.db"))
	}
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("%w: %s: folder %s does not exist: create it first", ErrOpen, path, dir)
	}
	return nil
}

// openError explains a failure to connect or read the database.
func (db *DB) openError(err error) error {
	msg := err.Error()
	switch {
	case db.dialect == sqlite && strings.Contains(msg, "not a database"):
		return fmt.Errorf("%w: %s is not an SQLite database (%v): check the --db path; edustat never overwrites such a file", ErrOpen, db.name, err)
	case db.dialect == sqlite && (strings.Contains(msg, "readonly") || strings.Contains(msg, "unable to open")):
		return fmt.Errorf("%w: %s: %v: check that the file and its folder can be written (SQLite writes %s-wal and %s-shm beside it)", ErrOpen, db.name, err, db.name, db.name)
	case db.dialect == postgres:
		return fmt.Errorf("%w: %s: %v: check that the server runs, the URL (user, host, port, database name) and the password", ErrOpen, db.name, err)
	}
	return fmt.Errorf("%w: %s: %v", ErrOpen, db.name, err)
}

// redact removes a password from a URL for messages.
func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	creds := dsn[scheme+3 : at]
	if i := strings.Index(creds, ":"); i >= 0 {
		return dsn[:scheme+3] + creds[:i] + ":xxxxx" + dsn[at:]
	}
	return dsn
}

// Close closes the database.
func (db *DB) Close() error {
	db.closeStmts()
	return db.sql.Close()
}

// Name returns the database's file or URL (without its password).
func (db *DB) Name() string { return db.name }

// Postgres reports whether the database is PostgreSQL (else SQLite).
func (db *DB) Postgres() bool { return db.dialect == postgres }

// q rewrites a query written with ? placeholders for the dialect.
func (db *DB) q(query string) string {
	if db.dialect != postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// write runs fn in one write transaction: it commits when fn returns nil
// and rolls back otherwise. On SQLite writers take turns (the transaction
// takes the write lock when it begins); on PostgreSQL it is READ COMMITTED
// and fn locks the rows it changes (forUpdate). The store's files for other
// tables (users, mail) write through it too.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.dialect == sqlite {
		// Writers of this process queue here rather than in SQLite's busy
		// handler, which sleeps in steps and wastes the time between them;
		// other processes still wait through the busy timeout.
		db.wmu.Lock()
		defer db.wmu.Unlock()
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store %s: begin: %w", db.name, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store %s: commit: %w", db.name, err)
	}
	return nil
}

// forUpdate is the clause that locks selected rows on PostgreSQL (SQLite's
// write transaction has locked the whole file already).
func (db *DB) forUpdate() string {
	if db.dialect == postgres {
		return " FOR UPDATE"
	}
	return ""
}

// timeLayout stores times as fixed-width UTC text, which sorts as time and
// reads the same in both dialects.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Size returns the bytes the database takes on disk: the SQLite file with
// its write-ahead log, or the PostgreSQL database.
func (db *DB) Size(ctx context.Context) (int64, error) {
	if db.dialect == postgres {
		var n int64
		err := db.sql.QueryRowContext(ctx, "SELECT pg_database_size(current_database())").Scan(&n)
		return n, err
	}
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		st, err := os.Stat(db.name + suffix)
		if err == nil {
			n += st.Size()
		} else if suffix == "" {
			return 0, err
		}
	}
	return n, nil
}
