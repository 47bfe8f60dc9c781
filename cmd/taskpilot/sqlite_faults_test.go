package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestE2ESQLiteFilesUnwritable runs the real `taskpilot serve` on a
// SQLite file, then, under the running server, makes the database files
// unwritable: chmod 0444 on every file, the -shm file (if there is one)
// truncated, and, where the file system and privileges allow it (root on
// ext4), chattr +i so that even the open file descriptors cannot write.
// The process must stay up: chat requests answer 200 or a clean 503
// "unavailable" (never a 500 or a dropped connection), streams end with a
// retryable error event, and once the files are writable again the
// server works as before. A WAL index in a memory-mapped -shm file dies
// here with SIGBUS.
func TestE2ESQLiteFilesUnwritable(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "tasks.db")
	var stderr syncBuffer
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--mcp-addr", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = processEnv(t, "TASKPILOT_DATABASE_URL=sqlite://"+db)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			fmt.Fprintln(&stderr, sc.Text())
			var line struct {
				Msg      string
				ChatAddr string `json:"chat_addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
				addrc <- line.ChatAddr
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	var base string
	select {
	case addr := <-addrc:
		base = "http://" + addr
	case err := <-exited:
		t.Fatalf("server exited early: %v\n%s", err, stderr.String())
	case <-time.After(time.Minute):
		t.Fatalf("no serving log line:\n%s", stderr.String())
	}
	// alive fails the test if the server died.
	alive := func(when string) {
		t.Helper()
		select {
		case err := <-exited:
			t.Fatalf("server died %s: %v\n%s", when, err, tail(stderr.String()))
		default:
		}
		if status, _ := send(base+"/healthz", ""); status != http.StatusOK {
			t.Fatalf("healthz %s: %d", when, status)
		}
	}
	chat := func(text string) (int, string) {
		return send(base+"/api/local/chat", fmt.Sprintf(`{"message":%q}`, text))
	}
	if status, body := chat("/add one"); status != http.StatusOK {
		t.Fatalf("/add with the files writable: %d %s", status, body)
	}

	files := []string{db, db + "-wal", db + "-shm", db + "-journal"}
	immutable := makeUnwritable(t, files)
	t.Logf("files made unwritable with chattr +i: %v", immutable)
	for i := range 3 {
		status, body := chat(fmt.Sprintf("/add while unwritable %d", i))
		switch {
		case status == http.StatusServiceUnavailable && strings.Contains(body, `"unavailable"`):
		case status == http.StatusOK && !immutable: // chmod does not stop writes through an open file
		default:
			t.Errorf("/add with the files unwritable: %d %s, want 503 unavailable", status, body)
		}
		alive("after a write to unwritable files")
	}
	status, body := send(base+"/chatkit", `{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"/add streamed"}],"attachments":[],"inference_options":{}}}}`)
	last := body[strings.LastIndex(body, "data: ")+len("data: "):]
	if status != http.StatusOK || (immutable && !strings.Contains(last, `"allow_retry":true`)) {
		t.Errorf("threads.create with the files unwritable: %d, last event %s; want a retryable error event", status, last)
	}
	if status, body := send(base+"/chatkit", `{"type":"threads.list","params":{}}`); status != http.StatusOK && status != http.StatusServiceUnavailable {
		t.Errorf("threads.list with the files unwritable: %d %s", status, body)
	}
	alive("after requests on unwritable files")

	restore(files)
	if status, body := chat("/add after"); status != http.StatusOK || !strings.Contains(body, "after") {
		t.Errorf("/add once the files are writable again: %d %s", status, body)
	}
	if status, body := chat("/list"); status != http.StatusOK || !strings.Contains(body, "one") || !strings.Contains(body, "after") {
		t.Errorf("/list once the files are writable again: %d %s, want the tasks added before and after", status, body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, tail(stderr.String()))
	}
}

// makeUnwritable truncates a -shm file, chmods the files that exist to
// 0444 and tries chattr +i on each, reporting whether that worked (it
// needs privileges and a file system that supports it). The files are
// made writable again when t ends, so that its temp dir can be removed.
func makeUnwritable(t *testing.T, files []string) bool {
	t.Helper()
	t.Cleanup(func() { restore(files) })
	immutable := false
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			continue
		}
		if strings.HasSuffix(f, "-shm") {
			if err := os.Truncate(f, 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(f, 0o444); err != nil {
			t.Fatal(err)
		}
		if err := exec.Command("chattr", "+i", f).Run(); err == nil {
			immutable = true
		}
	}
	return immutable
}

// restore undoes makeUnwritable.
func restore(files []string) {
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			_ = exec.Command("chattr", "-i", f).Run()
			_ = os.Chmod(f, 0o644)
		}
	}
}

// send posts body (GET when empty) and returns the status and body; a
// transport error (the server is gone) is status 0.
func send(url, body string) (int, string) {
	client := &http.Client{Timeout: 30 * time.Second}
	var resp *http.Response
	var err error
	if body == "" {
		resp, err = client.Get(url)
	} else {
		resp, err = client.Post(url, "application/json", strings.NewReader(body))
	}
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err.Error()
	}
	return resp.StatusCode, string(b)
}

// tail returns the last lines of a log.
func tail(log string) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	return strings.Join(lines[max(0, len(lines)-15):], "\n")
}
