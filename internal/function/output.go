package function

import (
	"bytes"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// readOutput reads the process's stdout and stderr (one pipe) until every
// holder of its write end is gone, and logs it line by line.
func (p *process) readOutput(f *os.File) {
	defer close(p.outDone)
	base := make([]byte, 0, maxLogLine+32<<10)
	buf := base
	chunk := make([]byte, 32<<10)
	for {
		n, err := f.Read(chunk)
		p.outBusy.Store(true)
		buf = append(buf, chunk[:n]...)
		for {
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				break
			}
			p.logOutput(buf[:i])
			buf = buf[i+1:]
		}
		if len(buf) >= maxLogLine || err != nil && len(buf) > 0 {
			p.logOutput(buf)
			buf = buf[:0]
		}
		buf = append(base[:0], buf...) // the partial line moves to the front
		p.outBusy.Store(false)
		if err != nil {
			return
		}
	}
}

func (p *process) logOutput(line []byte) {
	line = bytes.TrimSuffix(line, []byte("\r"))
	p.mu.Lock()
	inv := p.tailTo
	p.mu.Unlock()
	id := ""
	if inv != nil {
		id = inv.id
		inv.tail.write(string(line) + "\n")
	}
	p.log.write(time.Now(), id, string(line))
}

// emit logs a line of tarn's own about an invocation (START, END, REPORT).
func (p *process) emit(inv *invocation, text string) {
	inv.tail.write(text + "\n")
	p.log.write(time.Now(), inv.id, text)
}

// drainOutput waits, briefly, until what the process printed before it
// answered has been read, so that it lands in that invocation's tail.
// Output is written before the answer is sent, so it is in the pipe or
// with the reader by now; a process that keeps printing is not waited for.
func (p *process) drainOutput(limit time.Duration) {
	end := time.Now().Add(limit)
	for quiet := 0; quiet < 2 && time.Now().Before(end); {
		if p.pendingOutput() || p.outBusy.Load() {
			quiet = 0
			time.Sleep(200 * time.Microsecond)
			continue
		}
		quiet++
		runtime.Gosched() // a reader just woken up gets to mark itself busy
	}
}

// pendingOutput tells whether the pipe holds unread bytes (FIONREAD,
// named TIOCINQ on Linux).
func (p *process) pendingOutput() bool {
	rc, err := p.out.SyscallConn()
	if err != nil {
		return false
	}
	n := 0
	rc.Control(func(fd uintptr) {
		n, _ = unix.IoctlGetInt(int(fd), unix.TIOCINQ)
	})
	return n > 0
}
