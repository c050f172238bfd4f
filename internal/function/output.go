package function

import (
	"bytes"
	"os"
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
		p.outTaken.Add(int64(n))
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
		p.outLogged.Add(int64(n))
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

// drainOutput waits until what the process printed before it answered
// has been read and logged, so that it lands in that invocation's tail.
// Output is written before the answer is sent, so it is in the pipe or
// with the reader by now: the wait is for those bytes only (at most a
// pipe's capacity and a chunk), not for a process that keeps printing,
// and limit bounds it on a machine too busy to schedule the reader.
func (p *process) drainOutput(limit time.Duration) {
	target := p.pendingOutput() + p.outTaken.Load()
	var idleSince time.Time
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(200 * time.Microsecond) {
		busy := p.outBusy.Load()
		if !busy && p.outLogged.Load() >= target {
			return // everything there at the answer is logged; more may follow
		}
		if busy || p.pendingOutput() > 0 {
			idleSince = time.Time{}
			continue
		}
		// An empty pipe and an idle reader short of the target: a read
		// landed between the two counts above and was counted twice.
		if idleSince.IsZero() {
			idleSince = time.Now()
		} else if time.Since(idleSince) > 5*time.Millisecond {
			return
		}
	}
}

// pendingOutput counts the pipe's unread bytes (FIONREAD, named TIOCINQ
// on Linux).
func (p *process) pendingOutput() int64 {
	rc, err := p.out.SyscallConn()
	if err != nil {
		return 0
	}
	n := 0
	rc.Control(func(fd uintptr) {
		n, _ = unix.IoctlGetInt(int(fd), unix.TIOCINQ)
	})
	return int64(n)
}
