// SPDX-License-Identifier: BSD-3-Clause
// Copyright(c) 2026 The mrelay authors

package main

import (
	"errors"
	"net"
	"sync"
	"time"
)

// rebindConn is a net.PacketConn whose UDP socket can be replaced while a
// QUIC connection runs on it: the server then sees the same connection
// from a new source port, as after a NAT rebinding. quic-go 0.29 has no
// migration API; it reads and writes through whatever PacketConn it was
// given, so swapping the socket underneath is enough.
//
// Writes go out of the newest socket. Every socket opened stays readable
// until Close, so packets the server sent to an old port just before it
// learned the new one are not lost to the test.
type rebindConn struct {
	mu      sync.Mutex
	cur     *net.UDPConn
	all     []*net.UDPConn
	first   net.Addr // quic-go indexes its multiplexer by LocalAddr: keep it stable
	in      chan packet
	closed  chan struct{}
	once    sync.Once
	rbuf    int
	readDl  time.Time
	rebinds int
}

type packet struct {
	b    []byte
	from net.Addr
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

var errClosed = errors.New("use of closed network connection")

func newRebindConn(local *net.UDPAddr, rbuf int) (*rebindConn, error) {
	c := &rebindConn{in: make(chan packet, 4096), closed: make(chan struct{}), rbuf: rbuf}
	if err := c.open(local); err != nil {
		return nil, err
	}
	c.first = c.cur.LocalAddr()
	return c, nil
}

// open binds a new socket on the same address (new port) and makes it current.
func (c *rebindConn) open(local *net.UDPAddr) error {
	s, err := net.ListenUDP("udp", local)
	if err != nil {
		return err
	}
	if c.rbuf > 0 {
		_ = s.SetReadBuffer(c.rbuf)
	}
	c.mu.Lock()
	c.cur = s
	c.all = append(c.all, s)
	c.mu.Unlock()
	go c.reader(s)
	return nil
}

func (c *rebindConn) reader(s *net.UDPConn) {
	for {
		b := make([]byte, 1500)
		n, from, err := s.ReadFrom(b)
		if err != nil {
			return
		}
		select {
		case c.in <- packet{b[:n], from}:
		case <-c.closed:
			return
		}
	}
}

// Rebind moves the connection to a fresh source port.
func (c *rebindConn) Rebind() error {
	c.mu.Lock()
	ip := c.cur.LocalAddr().(*net.UDPAddr).IP
	c.mu.Unlock()
	if err := c.open(&net.UDPAddr{IP: ip}); err != nil {
		return err
	}
	c.mu.Lock()
	c.rebinds++
	c.mu.Unlock()
	return nil
}

// Port is the source port packets leave from now.
func (c *rebindConn) Port() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur.LocalAddr().(*net.UDPAddr).Port
}

func (c *rebindConn) ReadFrom(p []byte) (int, net.Addr, error) {
	c.mu.Lock()
	dl := c.readDl
	c.mu.Unlock()
	var timer <-chan time.Time
	if !dl.IsZero() {
		d := time.Until(dl)
		if d <= 0 {
			return 0, nil, timeoutError{}
		}
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case pk := <-c.in:
		return copy(p, pk.b), pk.from, nil
	case <-c.closed:
		return 0, nil, errClosed
	case <-timer:
		return 0, nil, timeoutError{}
	}
}

func (c *rebindConn) WriteTo(p []byte, to net.Addr) (int, error) {
	c.mu.Lock()
	s := c.cur
	c.mu.Unlock()
	return s.WriteTo(p, to)
}

func (c *rebindConn) Close() error {
	c.once.Do(func() {
		close(c.closed)
		c.mu.Lock()
		for _, s := range c.all {
			s.Close()
		}
		c.mu.Unlock()
	})
	return nil
}

func (c *rebindConn) LocalAddr() net.Addr { return c.first }

func (c *rebindConn) SetDeadline(t time.Time) error {
	_ = c.SetWriteDeadline(t)
	return c.SetReadDeadline(t)
}

func (c *rebindConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.readDl = t
	c.mu.Unlock()
	return nil
}

func (c *rebindConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	s := c.cur
	c.mu.Unlock()
	return s.SetWriteDeadline(t)
}
