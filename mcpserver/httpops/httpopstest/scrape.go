package httpopstest

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Scrape gets url, a /metrics endpoint, checks that it answers 200 in the
// Prometheus text format, parses it with expfmt and returns its samples
// by name and labels as the text format writes them, labels sorted by
// name: `name{a="x",b="y"}`, or `name` without labels. Histograms give
// name_bucket{le=...}, name_sum and name_count; summaries name{quantile=...},
// name_sum and name_count.
func Scrape(t testing.TB, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s %s", url, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: not the Prometheus text format: %v", url, err)
	}
	out := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			labels := m.GetLabel()
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out[sample(name, labels)] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[sample(name, labels)] = m.GetGauge().GetValue()
			case dto.MetricType_UNTYPED:
				out[sample(name, labels)] = m.GetUntyped().GetValue()
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				for _, b := range h.GetBucket() {
					out[sample(name+"_bucket", labels, "le", fmt.Sprint(b.GetUpperBound()))] = float64(b.GetCumulativeCount())
				}
				out[sample(name+"_sum", labels)] = h.GetSampleSum()
				out[sample(name+"_count", labels)] = float64(h.GetSampleCount())
			case dto.MetricType_SUMMARY:
				s := m.GetSummary()
				for _, q := range s.GetQuantile() {
					out[sample(name, labels, "quantile", fmt.Sprint(q.GetQuantile()))] = q.GetValue()
				}
				out[sample(name+"_sum", labels)] = s.GetSampleSum()
				out[sample(name+"_count", labels)] = float64(s.GetSampleCount())
			}
		}
	}
	return out
}

// sample formats a sample's name and labels, plus the extra name/value
// pairs, as the text format does.
func sample(name string, labels []*dto.LabelPair, extra ...string) string {
	var pairs [][2]string
	for _, l := range labels {
		pairs = append(pairs, [2]string{l.GetName(), l.GetValue()})
	}
	for i := 0; i+1 < len(extra); i += 2 {
		pairs = append(pairs, [2]string{extra[i], extra[i+1]})
	}
	if len(pairs) == 0 {
		return name
	}
	slices.SortFunc(pairs, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	written := make([]string, len(pairs))
	for i, p := range pairs {
		written[i] = p[0] + "=" + quote(p[1])
	}
	return name + "{" + strings.Join(written, ",") + "}"
}

// quote quotes a label value as the text format does.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v) + `"`
}
