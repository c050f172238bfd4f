package function

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A process's memory is bounded by a cgroup v2 of its own (memory.max)
// when tarn may manage one, else by RLIMIT_DATA set through a shell
// wrapper. RLIMIT_DATA (Linux 4.7+) counts private writable mappings, so
// unlike RLIMIT_AS it ignores the address space that Go, V8 and glibc
// reserve without using (a Go program does not even start under an
// RLIMIT_AS of 512 MiB). Node also gets V8's heap flag, so that it
// collects garbage before it hits the limit.

// dataSlack is added to the memory size for RLIMIT_DATA: thread stacks
// and allocator arenas count in full though they are touched in part.
const dataSlack = 64 << 20

// cgroups creates the cgroups of function processes under dir.
type cgroups struct {
	dir string // tarn's own cgroup, where each process gets fn-<id>
}

// findCgroups sets up cgroup v2 memory control, or says why it cannot.
// tarn's cgroup may only hold processes or controlled children, not both,
// so tarn first moves itself into a leaf "tarn" of its own cgroup.
func findCgroups() (*cgroups, error) {
	const mnt = "/sys/fs/cgroup"
	ctrl, err := os.ReadFile(filepath.Join(mnt, "cgroup.controllers"))
	if err != nil {
		return nil, errors.New("no cgroup v2 hierarchy at " + mnt)
	}
	if !hasWord(ctrl, "memory") {
		return nil, errors.New("the cgroup v2 memory controller is not available")
	}
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	own := ""
	sc := bufio.NewScanner(bytes.NewReader(self))
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "0::"); ok {
			own = filepath.Join(mnt, p)
		}
	}
	if own == "" {
		return nil, errors.New("tarn is in no cgroup v2")
	}
	leaf := filepath.Join(own, "tarn")
	if filepath.Base(own) == "tarn" {
		own, leaf = filepath.Dir(own), own // a restart finds itself moved already
	}
	if err := os.Mkdir(leaf, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("cgroup %s not writable: %w", own, err)
	}
	if err := os.WriteFile(filepath.Join(leaf, "cgroup.procs"), []byte("0"), 0); err != nil {
		return nil, fmt.Errorf("move tarn into %s: %w", leaf, err)
	}
	if err := os.WriteFile(filepath.Join(own, "cgroup.subtree_control"), []byte("+memory"), 0); err != nil {
		return nil, fmt.Errorf("enable memory control in %s: %w", own, err)
	}
	return &cgroups{dir: own}, nil
}

func hasWord(b []byte, w string) bool {
	for _, f := range strings.Fields(string(b)) {
		if f == w {
			return true
		}
	}
	return false
}

// cgroup is one process's cgroup.
type cgroup struct {
	dir string
	fd  *os.File // for SysProcAttr.CgroupFD; closed after start
}

func (c *cgroups) create(id string, memMB int) (*cgroup, error) {
	dir := filepath.Join(c.dir, "fn-"+id)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create cgroup: %w", err)
	}
	cg := &cgroup{dir: dir}
	if err := os.WriteFile(filepath.Join(dir, "memory.max"), []byte(strconv.Itoa(memMB<<20)), 0); err != nil {
		cg.remove()
		return nil, fmt.Errorf("set memory.max: %w", err)
	}
	os.WriteFile(filepath.Join(dir, "memory.swap.max"), []byte("0"), 0) // absent without swap accounting
	fd, err := os.Open(dir)
	if err != nil {
		cg.remove()
		return nil, err
	}
	cg.fd = fd
	return cg, nil
}

// kill ends every process in the cgroup, whatever group or session it
// moved to.
func (cg *cgroup) kill() {
	os.WriteFile(filepath.Join(cg.dir, "cgroup.kill"), []byte("1"), 0)
}

// peakMB is the most memory the cgroup has used, or -1.
func (cg *cgroup) peakMB() int {
	b, err := os.ReadFile(filepath.Join(cg.dir, "memory.peak"))
	if err != nil {
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return -1
	}
	return int(n >> 20)
}

// remove deletes the cgroup once its processes are gone, which takes the
// kernel a moment after they were killed.
func (cg *cgroup) remove() {
	if cg.fd != nil {
		cg.fd.Close()
		cg.fd = nil
	}
	for range 50 {
		if err := os.Remove(cg.dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// withRlimit runs argv under a shell that sets RLIMIT_DATA first; exec
// keeps the pid, so signals and the exit status are the program's own.
func withRlimit(argv []string, memMB int) []string {
	kb := (int64(memMB)<<20 + dataSlack) >> 10
	return append([]string{"/bin/sh", "-c", `ulimit -d ` + strconv.FormatInt(kb, 10) + ` && exec "$0" "$@"`}, argv...)
}

// peakRSSMB is the largest resident size a process has had, or -1.
func peakRSSMB(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				return -1
			}
			return kb >> 10
		}
	}
	return -1
}
