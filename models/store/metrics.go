package store

import "database/sql"

// DBStats returns the connection pool's statistics, for metrics. It
// returns zero stats if the pool is unavailable.
func (s *Store) DBStats() sql.DBStats {
	sqlDB, err := s.db.DB()
	if err != nil {
		return sql.DBStats{}
	}
	return sqlDB.Stats()
}
