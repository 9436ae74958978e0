package backend

import (
	"context"
	"fmt"
	"time"

	"ecs-redeploy/model"
)

// InProgressError is a Redeploy refused before it was sent because the instance already
// has a Processing RedeployInstance task (DESIGN §5): started by this process, another
// one killed mid-call, a second console, the aliyun CLI or the cloud console. It names
// the task and, when the audit log or a plan knows, who started it, so that every path
// (the console, a batch, `redeploy ID`) says the same thing. It wraps
// ErrAlreadyInProgress; nothing was sent and the task under way goes on.
type InProgressError struct {
	RegionID, InstanceID string
	// TaskID is the Processing task; Created its CreationTime (zero when not listed).
	TaskID  string
	Created time.Time
	// StartedBy is who started it ("alice@bastion (operator)"), empty when unknown here;
	// StartedFrom says where that was learnt ("the audit log: intent at …, no result").
	StartedBy, StartedFrom string
	// Flags are the command-line flags that choose the account (--endpoint …, --profile
	// …), shell-quoted, which the follow command carries so that it runs as printed;
	// the hub that made the call adds them (fleet.Options.AccountFlags).
	Flags string
}

func (e *InProgressError) Error() string {
	s := fmt.Sprintf("RedeployInstance %s: not sent: %s: task %s", e.InstanceID, ErrAlreadyInProgress, e.TaskID)
	if !e.Created.IsZero() {
		s += ", created " + e.Created.UTC().Format(time.RFC3339) + ","
	}
	s += " is Processing"
	if e.StartedBy != "" {
		s += ", started by " + e.StartedBy
		if e.StartedFrom != "" {
			s += " (" + e.StartedFrom + ")"
		}
	}
	flags := ""
	if e.Flags != "" {
		flags = " " + e.Flags
	}
	return s + fmt.Sprintf("; follow that task (`ecs-redeploy redeploy --follow %s --region %s%s`) instead of starting another", e.TaskID, e.RegionID, flags)
}

// Unwrap makes errors.Is(err, ErrAlreadyInProgress) hold.
func (e *InProgressError) Unwrap() error { return ErrAlreadyInProgress }

// InProgress is the instance's Processing RedeployInstance task as an *InProgressError,
// or nil when it has none (ListTasks with ResourceIds and TaskStatus=Processing, the
// check Redeploy makes right before the call). A path that refuses an instance before
// reaching Redeploy — `redeploy ID` on an instance already Stopping — asks it, so as to
// name the task rather than only the status. The error is the listing's, when it fails.
func InProgress(ctx context.Context, b Backend, region, instanceID string) (*InProgressError, error) {
	if err := CheckInstanceID(instanceID); err != nil {
		return nil, err
	}
	ts, err := b.ListTasks(ctx, TaskQuery{RegionID: region, ResourceIDs: []string{instanceID}, Status: model.TaskProcessing})
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.ResourceID == instanceID && t.Status == model.TaskProcessing {
			return &InProgressError{RegionID: region, InstanceID: instanceID, TaskID: t.ID, Created: t.CreationTime}, nil
		}
	}
	return nil, nil
}
