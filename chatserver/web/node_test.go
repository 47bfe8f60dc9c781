package web

import (
	"context"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// TestJavaScript runs the lite client's JavaScript unit tests
// (jstest/*.test.js: the Markdown renderer, the SSE parser, the widget
// renderer on a fake document, and the DOM-free rules of model.js) with
// Node's built-in test runner.
func TestJavaScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the JavaScript tests (jstest/) did not run; install Node.js 20+ to run them")
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "--test", "jstest/").CombinedOutput()
	if err != nil {
		t.Fatalf("node --test jstest/: %v\n%s", err, out)
	}
	t.Logf("node --test jstest/:\n%s", tail(out, 10))
}

// tail returns the last n lines of out.
func tail(out []byte, n int) []byte {
	lines := 0
	for i, o := range slices.Backward(out) {
		if o == '\n' {
			lines++
			if lines > n {
				return out[i+1:]
			}
		}
	}
	return out
}
