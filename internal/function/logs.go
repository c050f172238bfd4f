package function

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Log bounds: a function that prints without end costs disk up to twice
// maxLogFile and no memory beyond a line.
const (
	maxLogFile = 8 << 20  // a function's log file is rotated past this size
	maxLogLine = 64 << 10 // longer lines are split
	tailSize   = 4 << 10  // Result.LogTail
)

// LogLine is one line of a function's log: what its processes printed,
// and the START, END and REPORT lines of each invocation.
type LogLine struct {
	Time      time.Time
	RequestID string // the invocation in flight when it was printed, "" between invocations
	Text      string
}

// Logs returns the last max lines (1000 when max <= 0) that function name
// logged at or after since, oldest first. A function without logs has
// none; only reading a log file that exists can fail.
func (r *Runner) Logs(name string, since time.Time, max int) ([]LogLine, error) {
	if max <= 0 {
		max = 1000
	}
	path := r.logPath(name)
	ring := make([]LogLine, 0, min(max, 1024))
	start := 0 // ring is full from here when len(ring) == max
	for _, p := range []string{path + ".1", path} {
		err := scanLog(p, func(l LogLine) {
			if l.Time.Before(since) {
				return
			}
			if len(ring) < max {
				ring = append(ring, l)
				return
			}
			ring[start] = l
			start = (start + 1) % max
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("logs of %s: %w", name, err)
		}
	}
	return append(ring[start:], ring[:start]...), nil
}

// scanLog calls fn for each well-formed line of a log file, written by
// logFile.write as "time\trequest id\ttext".
func scanLog(path string, fn func(LogLine)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), maxLogLine*2)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) != 3 {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, parts[0])
		if err != nil {
			continue
		}
		fn(LogLine{Time: t, RequestID: parts[1], Text: parts[2]})
	}
	return sc.Err()
}

func (r *Runner) logPath(name string) string {
	return filepath.Join(r.opts.LogDir, safeName(name)+".log")
}

// safeName keeps a function name usable as a file name whatever it holds.
func safeName(name string) string {
	b := []byte(name)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] == '.' {
		return "_" + string(b)
	}
	return string(b)
}

// functionLog returns the log file of a function, shared by its processes.
func (r *Runner) functionLog(name string) *logFile {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.logs[name]
	if l == nil {
		l = &logFile{path: r.logPath(name), log: r.log}
		r.logs[name] = l
	}
	return l
}

// logFile appends lines to a function's log, keeping one rotated file.
// Writing never fails the function: a log that cannot be written is
// reported once and then dropped.
type logFile struct {
	path string
	log  interface{ Warn(string, ...any) }

	mu     sync.Mutex
	f      *os.File
	size   int64
	failed bool
}

func (l *logFile) write(t time.Time, reqID, text string) {
	line := t.UTC().Format(time.RFC3339Nano) + "\t" + reqID + "\t" + text + "\n"
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed {
		return
	}
	if l.f != nil && l.size+int64(len(line)) > maxLogFile {
		l.f.Close()
		l.f = nil
		if err := os.Rename(l.path, l.path+".1"); err != nil {
			l.fail(err)
			return
		}
	}
	if l.f == nil {
		f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			l.fail(err)
			return
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			l.fail(err)
			return
		}
		l.f, l.size = f, st.Size()
	}
	n, err := l.f.WriteString(line)
	l.size += int64(n)
	if err != nil {
		l.fail(err)
	}
}

func (l *logFile) fail(err error) {
	l.failed = true
	l.log.Warn("function log dropped", "path", l.path, "err", err)
}

func (l *logFile) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// tail keeps the last tailSize bytes written to it.
type tail struct {
	mu sync.Mutex
	b  []byte
}

func (t *tail) write(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(s) > tailSize {
		s = s[len(s)-tailSize:]
	}
	t.b = append(t.b, s...)
	if len(t.b) > 2*tailSize {
		t.b = append(t.b[:0], t.b[len(t.b)-tailSize:]...)
	}
}

func (t *tail) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.b
	if len(b) > tailSize {
		b = b[len(b)-tailSize:]
	}
	return append([]byte(nil), b...)
}
