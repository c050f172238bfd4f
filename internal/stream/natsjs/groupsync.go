package natsjs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// groupSync runs one sync on behalf of every caller that arrived before it
// started: a caller waits for a sync that began after its call, running it
// itself when none is under way.
type groupSync struct {
	mu      sync.Mutex
	cond    *sync.Cond
	running bool
	started uint64 // syncs begun
	done    uint64 // syncs finished
	err     error  // of the last finished sync
	lastBlk int    // newest message block seen, to sync its folder once
}

func newGroupSync() *groupSync {
	g := &groupSync{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *groupSync) do(sync func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	want := g.started + 1 // a running sync began before this call
	for g.done < want {
		if g.running {
			g.cond.Wait()
			continue
		}
		g.running = true
		g.started++
		n := g.started
		g.mu.Unlock()
		err := sync()
		g.mu.Lock()
		g.running, g.done, g.err = false, n, err
		g.cond.Broadcast()
	}
	return g.err
}

// syncFiles fsyncs the embedded server's newest message blocks of a stream.
// JetStream writes each acknowledged message to its block file before the
// acknowledgement; it syncs on a timer only, so tarn syncs before it
// acknowledges its own callers. The layout is nats-server's file store:
// <StoreDir>/jetstream/$G/streams/<stream>/msgs/<n>.blk.
func (s *Store) syncFiles(name string) error {
	dir := filepath.Join(s.opts.StoreDir, "jetstream", "$G", "streams", jsName(name), "msgs")
	des, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("jetstream store layout changed? %w", err)
	}
	var blks []int
	for _, de := range des {
		if n, err := strconv.Atoi(strings.TrimSuffix(de.Name(), ".blk")); err == nil && strings.HasSuffix(de.Name(), ".blk") {
			blks = append(blks, n)
		}
	}
	if len(blks) == 0 {
		return errors.New("jetstream store holds no message blocks")
	}
	sort.Ints(blks)
	// A batch may have rolled over into a new block: sync the last two.
	var errs []error
	for _, n := range blks[max(0, len(blks)-2):] {
		errs = append(errs, fsync(filepath.Join(dir, strconv.Itoa(n)+".blk")))
	}
	g := s.syncer(name)
	if newest := blks[len(blks)-1]; newest != g.lastBlk {
		errs = append(errs, fsync(dir))
		g.lastBlk = newest // only the running sync writes it
	}
	return errors.Join(errs...)
}

func fsync(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}
