package function

import (
	"bytes"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// readOutput reads the process's stdout and stderr (one pipe) until every
// holder of its write end is gone, and logs it line by line.
func (p *process) readOutput(f *os.File) {
	defer close(p.outDone)
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	base := make([]byte, 0, maxLogLine+32<<10)
	buf := base
	chunk := make([]byte, 32<<10)
	for {
		n, err := p.readPipe(rc, chunk)
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
		if err != nil {
			return
		}
	}
}

// readPipe reads once from the pipe. The read and its count are one step
// under outMu, so drainOutput never sees bytes gone from the pipe and not
// yet counted as taken (a line printed just before an exit or an answer
// would then miss its invocation's tail).
func (p *process) readPipe(rc syscall.RawConn, chunk []byte) (int, error) {
	var n int
	var rerr error
	err := rc.Read(func(fd uintptr) bool {
		p.outMu.Lock()
		defer p.outMu.Unlock()
		for {
			n, rerr = unix.Read(int(fd), chunk)
			if rerr != unix.EINTR {
				break
			}
		}
		if rerr == unix.EAGAIN {
			return false // wait until the pipe is readable
		}
		if n > 0 {
			p.outTaken.Add(int64(n))
		}
		return true
	})
	switch {
	case err != nil:
		return 0, err
	case rerr != nil:
		return 0, rerr
	case n <= 0:
		return 0, io.EOF
	}
	return n, nil
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
	p.outMu.Lock()
	target := p.pendingOutput() + p.outTaken.Load()
	p.outMu.Unlock()
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(200 * time.Microsecond) {
		if p.outLogged.Load() >= target {
			return // everything there at the answer is logged; more may follow
		}
		select {
		case <-p.outDone:
			return // the reader has stopped: no more will be logged
		default:
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
