package backend

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"time"

	"ecs-redeploy/backend/localfile"
)

// auditTail bounds what is read of an audit log to learn who started a task: its last
// 8 MiB, some 20,000 redeploys. A task under way is recent; the log may be years long.
const auditTail = 8 << 20

// StarterFromAuditLog reads the audit log at path for who started task taskID of
// instance: the result line that names the task, else the latest intent for the
// instance that has no result line (a process killed, or still waiting, while its call
// was out). by is the identity ("alice@bastion (operator)"), from where it was learnt;
// ok is false when the log says nothing of it or cannot be read.
func StarterFromAuditLog(path, instanceID, taskID string) (by, from string, ok bool) {
	return starterFromAuditLog(path, instanceID, taskID, "")
}

func starterFromAuditLog(path, instanceID, taskID, skipID string) (by, from string, ok bool) {
	f, err := localfile.Open(path, os.O_RDONLY, 0, localfile.State)
	if err != nil {
		return "", "", false
	}
	defer func() { _ = f.Close() }() // read-only
	var r io.Reader = f
	if fi, err := f.Stat(); err == nil && fi.Size() > auditTail {
		if _, err := f.Seek(fi.Size()-auditTail, io.SeekStart); err != nil {
			return "", "", false
		}
		br := bufio.NewReader(f)
		if _, err := br.ReadSlice('\n'); err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return "", "", false // the first line is cut: skip it
		}
		r = br
	}
	return findStarter(r, instanceID, taskID, skipID)
}

// findStarter is StarterFromAuditLog over the log's lines; skipID is an intent to leave
// out (the caller's own, written just before).
func findStarter(r io.Reader, instanceID, taskID, skipID string) (by, from string, ok bool) {
	open := map[string]AuditRecord{} // intents of the instance without a result yet
	// Not a bufio.Scanner: a line over its limit would end the reading there, and every
	// record after it would be missed without a word. A line longer than the reader's
	// buffer is skipped whole, as a torn one.
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err != nil {
				break
			}
			continue
		}
		if len(line) == 0 && err != nil {
			break
		}
		var rec AuditRecord
		if json.Unmarshal(line, &rec) != nil || rec.InstanceID != instanceID || rec.ID == skipID ||
			(rec.Action != "" && rec.Action != "RedeployInstance") {
			continue // a torn line, another instance, the caller's own, or not a redeploy
		}
		switch rec.Phase {
		case AuditIntent:
			open[rec.ID] = rec
		case AuditResult:
			if rec.TaskID == taskID && taskID != "" {
				return rec.Identity.String(), "audit log: started it at " + rec.Time.UTC().Format(time.RFC3339), true
			}
			delete(open, rec.ID)
		}
	}
	var last *AuditRecord
	for _, rec := range open {
		if last == nil || rec.Time.After(last.Time) {
			last = &rec
		}
	}
	if last == nil {
		return "", "", false
	}
	return last.Identity.String(), "audit log: intent at " + last.Time.UTC().Format(time.RFC3339) + " and no result, so that call was cut off or is still out", true
}
