package metricstest_test

import (
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/taskpilot/taskpilot/internal/metricstest"
)

func TestScrape(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "things_total", Help: "Things."}, []string{"kind", "status"})
	reg.MustRegister(c)
	c.WithLabelValues("a", "ok").Add(3)
	c.WithLabelValues("b", "error").Inc()
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)

	want := map[string]float64{
		`things_total{kind="a",status="ok"}`:    3,
		`things_total{kind="b",status="error"}`: 1,
	}
	if diff := cmp.Diff(want, metricstest.Scrape(t, srv.URL)); diff != "" {
		t.Errorf("samples (-want +got):\n%s", diff)
	}
}
