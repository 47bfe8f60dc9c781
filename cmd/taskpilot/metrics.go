package main

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/taskpilot/taskpilot/models/store"
)

// newRegistry returns the registry of a server process when metrics are
// on (else nil): the Go runtime, the process and the database pool. The
// servers add their own metrics to it and serve it at GET /metrics.
func newRegistry(cfg Config, st *store.Store) *prometheus.Registry {
	if !cfg.Metrics.Enabled {
		return nil
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newDBStatsCollector(st.DBStats),
	)
	return reg
}

// dbStatsCollector exports the database pool's statistics under the names
// of collectors.NewDBStatsCollector (go_sql_*, db_name="taskpilot"),
// which needs the *sql.DB that models/store keeps to itself.
type dbStatsCollector struct {
	stats func() sql.DBStats
	all   []dbStat
}

// dbStat is one metric of the pool.
type dbStat struct {
	desc  *prometheus.Desc
	typ   prometheus.ValueType
	value func(sql.DBStats) float64
}

func newDBStatsCollector(stats func() sql.DBStats) *dbStatsCollector {
	labels := prometheus.Labels{"db_name": "taskpilot"}
	gauge := func(name, help string, value func(sql.DBStats) float64) dbStat {
		return dbStat{prometheus.NewDesc("go_sql_"+name, help, nil, labels), prometheus.GaugeValue, value}
	}
	counter := func(name, help string, value func(sql.DBStats) float64) dbStat {
		return dbStat{prometheus.NewDesc("go_sql_"+name, help, nil, labels), prometheus.CounterValue, value}
	}
	return &dbStatsCollector{stats: stats, all: []dbStat{
		gauge("max_open_connections", "Maximum number of open connections to the database.",
			func(s sql.DBStats) float64 { return float64(s.MaxOpenConnections) }),
		gauge("open_connections", "The number of established connections both in use and idle.",
			func(s sql.DBStats) float64 { return float64(s.OpenConnections) }),
		gauge("in_use_connections", "The number of connections currently in use.",
			func(s sql.DBStats) float64 { return float64(s.InUse) }),
		gauge("idle_connections", "The number of idle connections.",
			func(s sql.DBStats) float64 { return float64(s.Idle) }),
		counter("wait_count_total", "The total number of connections waited for.",
			func(s sql.DBStats) float64 { return float64(s.WaitCount) }),
		counter("wait_duration_seconds_total", "The total time blocked waiting for a new connection.",
			func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() }),
		counter("max_idle_closed_total", "The total number of connections closed due to SetMaxIdleConns.",
			func(s sql.DBStats) float64 { return float64(s.MaxIdleClosed) }),
		counter("max_idle_time_closed_total", "The total number of connections closed due to SetConnMaxIdleTime.",
			func(s sql.DBStats) float64 { return float64(s.MaxIdleTimeClosed) }),
		counter("max_lifetime_closed_total", "The total number of connections closed due to SetConnMaxLifetime.",
			func(s sql.DBStats) float64 { return float64(s.MaxLifetimeClosed) }),
	}}
}

// Describe implements prometheus.Collector.
func (c *dbStatsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, s := range c.all {
		ch <- s.desc
	}
}

// Collect implements prometheus.Collector.
func (c *dbStatsCollector) Collect(ch chan<- prometheus.Metric) {
	stats := c.stats()
	for _, s := range c.all {
		ch <- prometheus.MustNewConstMetric(s.desc, s.typ, s.value(stats))
	}
}
