// A checker of Ferry's checkpoints and proofs built only from Go's golang.org/x/mod/sumdb packages
// (note: C2SP signed notes; tlog: RFC 6962 hashes and proofs), which Ferry's own code had no part in.
//
//	checker <verifier key> <checkpoint note> inclusion <record file> <leaf index> <hex,hex,...>
//	checker <verifier key> <checkpoint note> consistency <older checkpoint note> <hex,hex,...>
//
// Prints "ok" and exits 0 when everything checks out; else prints why and exits 1.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Printf(format+"\n", args...)
	os.Exit(1)
}

// open verifies the note's signature with the key and reads its checkpoint lines.
func open(verifier note.Verifier, file string) (int64, tlog.Hash) {
	message, err := os.ReadFile(file)
	if err != nil {
		fail("cannot read %s: %v", file, err)
	}
	opened, err := note.Open(message, note.VerifierList(verifier))
	if err != nil {
		fail("note %s: %v", file, err)
	}
	lines := strings.Split(opened.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		fail("note %s: not a checkpoint of %s", file, verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("note %s: size: %v", file, err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		fail("note %s: root is not a base64 hash", file)
	}
	var hash tlog.Hash
	copy(hash[:], root)
	return size, hash
}

func hashes(list string) []tlog.Hash {
	var out []tlog.Hash
	if list == "" {
		return out
	}
	for _, text := range strings.Split(list, ",") {
		raw, err := hex.DecodeString(text)
		if err != nil || len(raw) != tlog.HashSize {
			fail("proof hash %q is not hex of 32 bytes", text)
		}
		var hash tlog.Hash
		copy(hash[:], raw)
		out = append(out, hash)
	}
	return out
}

func main() {
	if len(os.Args) < 5 {
		fail("usage: checker <verifier key> <checkpoint note> inclusion|consistency ...")
	}
	verifier, err := note.NewVerifier(os.Args[1])
	if err != nil {
		fail("verifier key: %v", err)
	}
	size, root := open(verifier, os.Args[2])
	switch os.Args[3] {
	case "inclusion":
		record, err := os.ReadFile(os.Args[4])
		if err != nil {
			fail("cannot read the record: %v", err)
		}
		index, err := strconv.ParseInt(os.Args[5], 10, 64)
		if err != nil {
			fail("leaf index: %v", err)
		}
		if err := tlog.CheckRecord(hashes(os.Args[6]), size, root, index, tlog.RecordHash(record)); err != nil {
			fail("inclusion: %v", err)
		}
	case "consistency":
		oldSize, oldRoot := open(verifier, os.Args[4])
		if err := tlog.CheckTree(hashes(os.Args[5]), size, root, oldSize, oldRoot); err != nil {
			fail("consistency: %v", err)
		}
	default:
		fail("unknown check %q", os.Args[3])
	}
	fmt.Println("ok")
}
