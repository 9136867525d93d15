// SPDX-License-Identifier: BSD-3-Clause
// Copyright(c) 2026 The mrelay authors

// roq-client: an RTP over QUIC client built on quic-go, a QUIC stack that
// shares no code with ngtcp2, for testing mrelay's QUIC termination.
//
// It opens -conns connections one after the other to -addr with the RoQ
// ALPN, sends -n RTP packets on each in DATAGRAM frames (RFC 9221) with
// the RoQ flow identifier -flow, counts the datagrams that come back on
// that flow, optionally moves to a new UDP source port after -rebind-at
// packets (same QUIC connection: a NAT rebinding as the server sees it),
// closes (or, with -no-close, goes silent) and prints one JSON object of
// counts on stdout. With -dump it also writes every RTP packet it sent and
// every datagram it received to a file, for a test to compare byte for byte.
//
// Exit status: 0 when every connection completed its handshake and no
// send failed (loss is reported, not judged), 1 otherwise, 2 on bad usage.
//
// Build offline in GOPATH mode against Debian's quic-go 0.29:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o roq-client .
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/lucas-clemente/quic-go"
	"github.com/lucas-clemente/quic-go/quicvarint"
)

type result struct {
	Conns         int     `json:"conns"`
	Opened        int     `json:"opened"`
	Closed        int     `json:"closed"`
	Sent          int     `json:"sent"`
	Received      int     `json:"received"`
	Lost          int     `json:"lost"`
	Duplicates    int     `json:"duplicates"`
	WrongFlow     int     `json:"wrong_flow"`
	Malformed     int     `json:"malformed"`
	Other         int     `json:"other_ssrc"`
	Rebinds       int     `json:"rebinds"`
	PortFirst     int     `json:"port_first"`
	PortLast      int     `json:"port_last"`
	ReceivedAfter int     `json:"received_after_rebind"`
	Echoed        int     `json:"echoed"`
	HandshakeMs   float64 `json:"handshake_ms_avg"`
	ElapsedMs     float64 `json:"elapsed_ms"`
	Errors        int     `json:"errors"`
	FirstError    string  `json:"first_error,omitempty"`
	ALPN          string  `json:"alpn"`
}

type options struct {
	addr     string
	alpn     string
	ca       string
	insecure bool
	sni      string
	n        int
	conns    int
	flow     uint64
	size     int
	interval time.Duration
	rebindAt int
	rebindEv int
	echo     bool
	ssrc     uint
	seq      uint
	rtcp     int
	packets  [][]byte // -packets: sent as they are instead of generated RTP
	dump     string
	hold     time.Duration
	connRate float64
	noClose  bool
	wait     time.Duration
	timeout  time.Duration
	idle     time.Duration
}

func (r *result) fail(err error) {
	r.Errors++
	if r.FirstError == "" {
		r.FirstError = err.Error()
	}
}

// rtpPacket is a minimal RTP packet: V=2, PT 0, the given sequence number,
// timestamp 160 per packet (20 ms of PCMU), payload octets k & 0xff (k its
// offset in the packet).
func rtpPacket(seq uint16, ssrc uint32, size int) []byte {
	p := make([]byte, 12+size)
	p[0] = 0x80
	p[1] = 0
	binary.BigEndian.PutUint16(p[2:], seq)
	binary.BigEndian.PutUint32(p[4:], uint32(seq)*160)
	binary.BigEndian.PutUint32(p[8:], ssrc)
	for i := 12; i < len(p); i++ {
		p[i] = byte(i)
	}
	return p
}

// rtcpSR is an RTCP sender report without report blocks: its NTP and RTP
// timestamps and counts follow the n packets sent so far.
func rtcpSR(ssrc uint32, n int, lastSeq uint16, size int) []byte {
	p := make([]byte, 28)
	p[0] = 0x80
	p[1] = 200
	binary.BigEndian.PutUint16(p[2:], 6)
	binary.BigEndian.PutUint32(p[4:], ssrc)
	binary.BigEndian.PutUint64(p[8:], 0xe000000000000000|uint64(n)<<16)
	binary.BigEndian.PutUint32(p[16:], uint32(lastSeq)*160)
	binary.BigEndian.PutUint32(p[20:], uint32(n))
	binary.BigEndian.PutUint32(p[24:], uint32(n*size))
	return p
}

// readPackets reads -packets: one packet a line, in hex.
func readPackets(path string) ([][]byte, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for i, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		p, err := hex.DecodeString(line)
		if err != nil || len(p) == 0 || len(p) > 1200 {
			return nil, fmt.Errorf("line %d: not a packet in hex", i+1)
		}
		out = append(out, p)
	}
	return out, nil
}

// roqDatagram is a RoQ datagram: flow identifier (QUIC varint), RTP packet.
func roqDatagram(flow uint64, rtp []byte) []byte {
	var b bytes.Buffer
	quicvarint.Write(&b, flow)
	b.Write(rtp)
	return b.Bytes()
}

// dumper writes "tx <flow> <hex>" for each RTP or RTCP packet sent and
// "rx <hex>" for each datagram received (flow identifier included), one
// line each, in the order they were sent or received; nil: no -dump.
type dumper struct {
	mu sync.Mutex
	w  *bufio.Writer
	f  *os.File
}

func newDumper(path string) (*dumper, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &dumper{w: bufio.NewWriter(f), f: f}, nil
}

func (d *dumper) line(format string, a ...interface{}) {
	if d == nil {
		return
	}
	d.mu.Lock()
	fmt.Fprintf(d.w, format, a...)
	d.mu.Unlock()
}

func (d *dumper) close() error {
	if d == nil {
		return nil
	}
	if err := d.w.Flush(); err != nil {
		d.f.Close()
		return err
	}
	return d.f.Close()
}

// echoes counts what one connection gets back.
type echoes struct {
	mu         sync.Mutex
	seen       map[uint16]bool
	dup, wrong int
	bad        int
	other      int // well-formed RTP of another SSRC, not reflected
	after      int // received after the rebinding
	rebound    bool
	all        chan struct{}
	want       int
	echo       func([]byte) // -echo: send other sources' packets back
	echoed     int
}

func (e *echoes) take(d []byte, flow uint64, ssrc uint32) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := bytes.NewReader(d)
	f, err := quicvarint.Read(r)
	n := len(d) - r.Len()
	if err != nil || len(d)-n < 12 {
		e.bad++
		return
	}
	if f != flow {
		e.wrong++
		return
	}
	rtp := d[n:]
	if e.echo != nil && rtp[0]>>6 == 2 && binary.BigEndian.Uint32(rtp[8:]) != ssrc {
		// another client's packet, relayed to this flow: reflect it
		e.echo(d)
		e.echoed++
		return
	}
	if rtp[0]>>6 != 2 {
		e.bad++
		return
	}
	if binary.BigEndian.Uint32(rtp[8:]) != ssrc {
		e.other++
		return
	}
	seq := binary.BigEndian.Uint16(rtp[2:])
	if e.seen[seq] {
		e.dup++
		return
	}
	e.seen[seq] = true
	if e.rebound {
		e.after++
	}
	if len(e.seen) == e.want {
		close(e.all)
	}
}

func runConn(o *options, idx int, pc *rebindConn, raddr *net.UDPAddr, tlsConf *tls.Config,
	dump *dumper, res *result) {
	qconf := &quic.Config{
		EnableDatagrams:      true,
		ConnectionIDLength:   8,
		HandshakeIdleTimeout: o.timeout,
		MaxIdleTimeout:       o.idle,
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	conn, err := quic.DialContext(ctx, pc, raddr, o.sni, tlsConf, qconf)
	cancel()
	if err != nil {
		res.fail(fmt.Errorf("handshake: %w", err))
		return
	}
	res.Opened++
	res.HandshakeMs += float64(time.Since(start).Microseconds()) / 1000
	res.ALPN = conn.ConnectionState().TLS.NegotiatedProtocol
	if !conn.ConnectionState().SupportsDatagrams {
		res.fail(fmt.Errorf("the server does not take DATAGRAM frames"))
	}

	var sb [4]byte
	_, _ = rand.Read(sb[:])
	ssrc := binary.BigEndian.Uint32(sb[:])
	if o.ssrc != 0 {
		ssrc = uint32(o.ssrc)
	}
	e := &echoes{seen: make(map[uint16]bool), all: make(chan struct{}), want: o.n}
	if o.echo {
		e.echo = func(d []byte) {
			if err := conn.SendMessage(d); err != nil {
				e.bad++
			}
		}
	}
	rebindAt := o.rebindAt
	if o.rebindEv > 1 && idx%o.rebindEv != 0 {
		rebindAt = 0
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			d, err := conn.ReceiveMessage()
			if err != nil {
				return
			}
			dump.line("rx %x\n", d)
			e.take(d, o.flow, ssrc)
		}
	}()

	sent := 0
	for i := 0; i < o.n; i++ {
		if rebindAt > 0 && i == rebindAt {
			if err := pc.Rebind(); err != nil {
				res.fail(fmt.Errorf("rebind: %w", err))
			}
			e.mu.Lock()
			e.rebound = true
			e.mu.Unlock()
		}
		rtp := rtpPacket(uint16(o.seq+uint(i)), ssrc, o.size)
		if o.packets != nil {
			rtp = o.packets[i]
		}
		if err := conn.SendMessage(roqDatagram(o.flow, rtp)); err != nil {
			res.fail(fmt.Errorf("send %d: %w", i, err))
			break
		}
		dump.line("tx %d %x\n", o.flow, rtp)
		if o.rtcp > 0 && (i+1)%o.rtcp == 0 {
			sr := rtcpSR(ssrc, i+1, uint16(o.seq+uint(i)), o.size)
			if err := conn.SendMessage(roqDatagram(o.flow, sr)); err != nil {
				res.fail(fmt.Errorf("send RTCP after %d: %w", i, err))
				break
			}
			dump.line("tx %d %x\n", o.flow, sr)
		}
		sent++
		if o.interval > 0 {
			time.Sleep(o.interval)
		}
	}
	if o.hold > 0 {
		time.Sleep(o.hold)
	} else if sent == o.n && o.n > 0 {
		select {
		case <-e.all:
		case <-time.After(o.wait):
		}
	}

	if o.noClose {
		// go silent: the server has to find out by its idle timeout
		pc.Close()
	} else if err := conn.CloseWithError(0, "done"); err == nil {
		res.Closed++
	}
	<-done
	e.mu.Lock()
	res.Sent += sent
	res.Received += len(e.seen)
	res.Duplicates += e.dup
	res.WrongFlow += e.wrong
	res.Malformed += e.bad
	res.Other += e.other
	res.ReceivedAfter += e.after
	res.Echoed += e.echoed
	e.mu.Unlock()
}

func main() {
	var o options
	var flow uint
	flag.StringVar(&o.addr, "addr", "127.0.0.1:4433", "server address host:port")
	flag.StringVar(&o.alpn, "alpn", "roq-14", "ALPN to offer (draft-ietf-avtcore-rtp-over-quic-14: roq-14)")
	flag.StringVar(&o.ca, "ca", "", "PEM file of the certificate(s) to trust for the server")
	flag.BoolVar(&o.insecure, "insecure", false, "do not verify the server's certificate")
	flag.StringVar(&o.sni, "sni", "localhost", "server name to send and verify")
	flag.IntVar(&o.n, "n", 100, "RTP packets to send per connection")
	flag.IntVar(&o.conns, "conns", 1, "connections to open, one after the other")
	flag.Float64Var(&o.connRate, "conn-rate", 0, "start at most this many connections per second (0: back to back)")
	flag.UintVar(&flow, "flow", 0, "RoQ flow identifier")
	flag.IntVar(&o.size, "size", 160, "RTP payload octets (after the 12-octet header)")
	flag.DurationVar(&o.interval, "interval", time.Millisecond, "pause between two packets")
	flag.IntVar(&o.rebindAt, "rebind-at", 0, "move to a new UDP source port before packet N (0: never)")
	flag.IntVar(&o.rebindEv, "rebind-every", 1, "with -rebind-at: only in every K-th connection (0, K, 2K...)")
	flag.UintVar(&o.ssrc, "ssrc", 0, "RTP SSRC of every connection (0: a random one each)")
	flag.UintVar(&o.seq, "seq", 0, "RTP sequence number of each connection's first packet (mod 2^16)")
	flag.IntVar(&o.rtcp, "rtcp-every", 0, "send an RTCP sender report after every K-th RTP packet (0: none)")
	packets := flag.String("packets", "", "send these packets (hex, one a line; e.g. SRTP) instead of -n generated RTP")
	flag.StringVar(&o.dump, "dump", "", "write each RTP or RTCP packet sent and datagram received to this file (hex lines)")
	flag.BoolVar(&o.echo, "echo", false, "send back, on the flow, every RTP packet of another SSRC received")
	flag.DurationVar(&o.hold, "hold", 0, "keep each connection open this long after sending (instead of -wait)")
	flag.BoolVar(&o.noClose, "no-close", false, "end without CONNECTION_CLOSE (leave it to the idle timeout)")
	flag.DurationVar(&o.wait, "wait", 3*time.Second, "how long to wait for the last echoes")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Second, "handshake timeout")
	flag.DurationVar(&o.idle, "idle", 30*time.Second, "QUIC max_idle_timeout")
	flag.Parse()
	o.flow = uint64(flow)
	if o.n < 0 || o.conns < 1 || o.size < 0 || o.size > 1100 || o.rebindAt < 0 || o.rebindEv < 0 || o.rtcp < 0 ||
		flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "roq-client: bad arguments (see -h)")
		os.Exit(2)
	}
	if *packets != "" {
		var err error
		if o.packets, err = readPackets(*packets); err != nil {
			fmt.Fprintf(os.Stderr, "roq-client: -packets %s: %v\n", *packets, err)
			os.Exit(2)
		}
		o.n = len(o.packets)
		o.rtcp = 0
	}
	// quic-go warns when it cannot size a socket buffer it does not own
	os.Setenv("QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING", "true")

	raddr, err := net.ResolveUDPAddr("udp", o.addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "roq-client: -addr %s: %v\n", o.addr, err)
		os.Exit(2)
	}
	tlsConf := &tls.Config{NextProtos: []string{o.alpn}, ServerName: o.sni,
		InsecureSkipVerify: o.insecure}
	if o.ca != "" {
		pem, err := os.ReadFile(o.ca)
		pool := x509.NewCertPool()
		if err != nil || !pool.AppendCertsFromPEM(pem) {
			fmt.Fprintf(os.Stderr, "roq-client: -ca %s: no certificate read\n", o.ca)
			os.Exit(2)
		}
		tlsConf.RootCAs = pool
	}

	dump, err := newDumper(o.dump)
	if err != nil {
		fmt.Fprintf(os.Stderr, "roq-client: -dump: %v\n", err)
		os.Exit(2)
	}
	res := result{Conns: o.conns}
	start := time.Now()
	local := &net.UDPAddr{IP: net.IPv4zero}
	if raddr.IP.To4() == nil {
		local.IP = net.IPv6zero
	}
	if raddr.IP.IsLoopback() {
		local.IP = raddr.IP
	}
	for i := 0; i < o.conns; i++ {
		if o.connRate > 0 {
			// paced on the start time, so a slow handshake does not lower the rate
			next := start.Add(time.Duration(float64(i) / o.connRate * float64(time.Second)))
			if d := time.Until(next); d > 0 {
				time.Sleep(d)
			}
		}
		// one socket per connection: each starts on a port of its own
		pc, err := newRebindConn(local, 4<<20)
		if err != nil {
			res.fail(err)
			break
		}
		if i == 0 {
			res.PortFirst = pc.Port()
		}
		runConn(&o, i, pc, raddr, tlsConf, dump, &res)
		res.PortLast = pc.Port()
		res.Rebinds += pc.rebinds
		pc.Close()
	}
	if res.Opened > 0 {
		res.HandshakeMs /= float64(res.Opened)
	}
	if err := dump.close(); err != nil {
		res.fail(fmt.Errorf("-dump: %w", err))
	}
	res.Lost = res.Sent - res.Received
	res.ElapsedMs = float64(time.Since(start).Microseconds()) / 1000
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
	if res.Errors > 0 || res.Opened != o.conns {
		os.Exit(1)
	}
}
