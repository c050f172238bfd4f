package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// console is where a command reads and writes: the process's standard
// streams, or a test's buffers.
type console struct {
	in       io.Reader
	out, err io.Writer
}

func stdConsole() console { return console{os.Stdin, os.Stdout, os.Stderr} }

// command is a subcommand's flags and help. The help text holds the usage
// lines, what the command does and examples; -h or --help prints it, then
// the flags, on standard output and ends the command with flag.ErrHelp,
// which run turns into exit status 0.
type command struct {
	*flag.FlagSet
	help string
	out  io.Writer
}

func newCommand(name, help string, con console) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors and prints help itself
	return &command{FlagSet: fs, help: help, out: con.out}
}

// parse parses the flags wherever they come among the positional
// arguments, and returns the positional ones.
func (c *command) parse(args []string) ([]string, error) {
	var pos []string
	for {
		err := c.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			c.printHelp(c.out)
			return nil, err
		}
		if err != nil {
			return nil, c.usageErr("%v", err)
		}
		if c.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, c.Arg(0))
		args = c.Args()[1:]
	}
}

// usageErr is a mistake in the command line, with where to read more.
func (c *command) usageErr(format string, args ...any) error {
	return fmt.Errorf("%s: %s (see tarn %s --help)", c.Name(), fmt.Sprintf(format, args...), c.Name())
}

func (c *command) printHelp(w io.Writer) {
	fmt.Fprint(w, c.help)
	flags := false
	c.VisitAll(func(*flag.Flag) { flags = true })
	if flags {
		fmt.Fprintln(w, "\nFlags:")
		c.SetOutput(w)
		c.PrintDefaults()
		c.SetOutput(io.Discard)
	}
}

// subcommand returns the subcommand that a command's first argument names
// (keys add, stream put, bench s3), or prints the command's help.
func subcommand(name, help string, args []string, con console, subs ...string) (string, error) {
	want := strings.Join(subs[:len(subs)-1], ", ") + " or " + subs[len(subs)-1]
	switch {
	case len(args) == 0:
		fmt.Fprint(con.err, help)
		return "", fmt.Errorf("%s: want %s", name, want)
	case isHelp(args[0]):
		fmt.Fprint(con.out, help)
		return "", flag.ErrHelp
	case !slices.Contains(subs, args[0]):
		return "", fmt.Errorf("%s: unknown command %q: want %s (see tarn %s --help)", name, args[0], want, name)
	}
	return args[0], nil
}

// isHelp reports whether a command's first argument asks for its help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// isTerminal reports whether f is a terminal, not a file, pipe or
// /dev/null.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(file.Fd()), unix.TCGETS)
	return err == nil
}

// progress reports a long command's progress: on a terminal one line
// redrawn in place, elsewhere (a log file, a pipe) plain lines, at most one
// every progressEvery.
type progress struct {
	w        io.Writer
	terminal bool
	last     time.Time // of the last plain line
	width    int       // of the line drawn in place
}

const progressEvery = 5 * time.Second

func newProgress(w io.Writer) *progress {
	return &progress{w: w, terminal: isTerminal(w), last: time.Now()}
}

// update shows line as the current progress.
func (p *progress) update(line string) {
	if p.terminal {
		p.draw(line)
		return
	}
	if time.Since(p.last) >= progressEvery {
		p.last = time.Now()
		fmt.Fprintln(p.w, line)
	}
}

// done shows the final line.
func (p *progress) done(line string) {
	if p.terminal {
		p.draw(line)
		fmt.Fprintln(p.w)
		p.width = 0
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *progress) draw(line string) {
	pad := max(0, p.width-len(line))
	fmt.Fprint(p.w, "\r"+line+strings.Repeat(" ", pad))
	p.width = len(line)
}

// plural is "1 record", "2 records".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
