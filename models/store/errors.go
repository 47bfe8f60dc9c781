package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/taskpilot/taskpilot/models"
)

// translator wraps a dialector so that every error GORM records (each
// statement's, a transaction's begin and commit) is classified once, here:
// a database that cannot be reached or cannot do the work right now comes
// out wrapping models.ErrUnavailable, on top of the dialector's own
// translation (duplicate keys, foreign keys).
type translator struct {
	gorm.Dialector
}

// Translate implements gorm.ErrorTranslator.
func (t translator) Translate(err error) error {
	if et, ok := t.Dialector.(gorm.ErrorTranslator); ok {
		err = et.Translate(err)
	}
	return unavailableError(err)
}

// SavePoint and RollbackTo keep nested transactions working through the
// wrapper (gorm.SavePointerDialectorInterface).
func (t translator) SavePoint(tx *gorm.DB, name string) error {
	if sp, ok := t.Dialector.(gorm.SavePointerDialectorInterface); ok {
		return sp.SavePoint(tx, name)
	}
	return gorm.ErrUnsupportedDriver
}

// RollbackTo: see SavePoint.
func (t translator) RollbackTo(tx *gorm.DB, name string) error {
	if sp, ok := t.Dialector.(gorm.SavePointerDialectorInterface); ok {
		return sp.RollbackTo(tx, name)
	}
	return gorm.ErrUnsupportedDriver
}

// translate classifies an error GORM returned untranslated (those of
// Row and Rows and of reading their rows) as translator does.
func (s *Store) translate(err error) error {
	if err == nil {
		return nil
	}
	if t, ok := s.db.Dialector.(gorm.ErrorTranslator); ok {
		return t.Translate(err)
	}
	return unavailableError(err)
}

// unavailableError wraps err with models.ErrUnavailable when it means the
// database is unavailable (see unavailable), and returns it as is
// otherwise.
func unavailableError(err error) error {
	if err == nil || errors.Is(err, models.ErrUnavailable) || !unavailable(err) {
		return err
	}
	if code, ok := sqliteCode(err); ok && sqliteUnwritable(code) {
		return fmt.Errorf("%w: the database cannot be written (a read-only file, folder or file system, or a full or failing disk): %w", models.ErrUnavailable, err)
	}
	return fmt.Errorf("%w: %w", models.ErrUnavailable, err)
}

// SQLite extended result codes of a failed write.
const (
	sqliteIOErrWrite    = sqliteIOErr | 3<<8
	sqliteIOErrFsync    = sqliteIOErr | 4<<8
	sqliteIOErrTruncate = sqliteIOErr | 6<<8
)

// sqliteUnwritable reports whether a SQLite result code means the
// database files cannot be written.
func sqliteUnwritable(code int) bool {
	switch {
	case code&0xff == sqliteReadOnly, code&0xff == sqliteFull:
		return true
	case code == sqliteIOErrWrite, code == sqliteIOErrFsync, code == sqliteIOErrTruncate:
		return true
	}
	return false
}

// unavailable reports whether err is a fault of the database rather than a
// refusal of the request: it may go away when the request is tried again.
func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the caller gave up; not the database's fault
	}
	if code, ok := sqlState(err); ok {
		return pgUnavailable(code)
	}
	if code, ok := sqliteCode(err); ok {
		return sqliteUnavailable(code)
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connect), // every failure to connect, a deadline included
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.As(err, &netErr),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF),
		pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return true
	}
	// pgx reports a connection lost mid-query this way, without a type.
	return strings.Contains(err.Error(), "conn closed")
}

// pgUnavailable reports whether a PostgreSQL SQLSTATE means the server
// cannot serve the request now (see the PostgreSQL manual, appendix A).
func pgUnavailable(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"): // connection exception
		return true
	case strings.HasPrefix(code, "53"): // insufficient resources: too many connections (53300), disk full, out of memory
		return true
	case code == "57P01", code == "57P02", code == "57P03": // admin shutdown, crash shutdown, cannot connect now
		return true
	case code == "57P05": // idle session timeout
		return true
	case strings.HasPrefix(code, "58"): // system error: I/O error, ...
		return true
	case code == "25006": // read-only SQL transaction: a standby, or default_transaction_read_only
		return true
	}
	return false
}

// SQLite primary result codes that mean the file cannot be used right now
// (https://sqlite.org/rescode.html).
const (
	sqliteBusy     = 5
	sqliteLocked   = 6
	sqliteNoMem    = 7
	sqliteReadOnly = 8
	sqliteIOErr    = 10
	sqliteFull     = 13
	sqliteCantOpen = 14
	sqliteProtocol = 15
)

// sqliteUnavailable reports whether a SQLite (extended) result code means
// the database cannot be used right now: still locked after the busy
// timeout, read-only (the file, its folder or the file system), an I/O
// error, a full disk, a file that cannot be opened.
func sqliteUnavailable(code int) bool {
	switch code & 0xff {
	case sqliteBusy, sqliteLocked, sqliteNoMem, sqliteReadOnly, sqliteIOErr, sqliteFull, sqliteCantOpen, sqliteProtocol:
		return true
	}
	return false
}

// sqlState returns the SQLSTATE of a PostgreSQL error in err's chain.
func sqlState(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code, true
	}
	return "", false
}

// sqliteCode returns the result code of a SQLite error in err's chain.
func sqliteCode(err error) (int, bool) {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		return coded.Code(), true
	}
	return 0, false
}

// dbError translates a GORM error for callers outside the package.
func dbError(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("%w: %w", models.ErrConflict, err)
	}
	return unavailableError(err)
}
