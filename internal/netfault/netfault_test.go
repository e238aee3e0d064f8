package netfault

import (
	"io"
	"net"
	"testing"
	"time"
)

// echo serves connections that send back what they get, until the test
// ends.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// roundTrip sends a byte through l and reads it back; it reports false if
// the link ended the connection instead.
func roundTrip(t *testing.T, l *Link) (net.Conn, bool) {
	t.Helper()
	c, err := net.Dial("tcp", l.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("x")); err != nil {
		return c, false
	}
	b := make([]byte, 1)
	_, err = io.ReadFull(c, b)
	return c, err == nil && b[0] == 'x'
}

// Bytes go through, in order and delayed; a cut ends every connection and
// refuses new ones until the link is mended.
func TestLink(t *testing.T) {
	l, err := New(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.SetLatency(20 * time.Millisecond)
	open, ok := roundTrip(t, l)
	if !ok {
		t.Fatal("no echo through the link")
	}
	msg := []byte("hello, in order")
	go open.Write(msg)
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(open, got); err != nil || string(got) != string(msg) {
		t.Fatalf("echo %q, %v", got, err)
	}

	l.Cut()
	if _, err := io.ReadFull(open, got[:1]); err == nil {
		t.Error("a connection outlived the cut")
	}
	if _, ok := roundTrip(t, l); ok {
		t.Error("a new connection got through a cut link")
	}
	l.Mend()
	if _, ok := roundTrip(t, l); !ok {
		t.Error("no echo after mending")
	}
}
