// Package backend defines the one interface every ECS backend implements (the real API and
// the simulator), its errors, and the decorators that wrap any Backend.
package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"ecs-redeploy/model"
)

// Backend is everything the console, the CLI and the SSH server need from ECS.
type Backend interface {
	// Regions lists the regions the account can use.
	Regions(ctx context.Context) ([]model.Region, error)
	// Instances lists the instances that have at least one pending system event, with
	// those events attached, in the regions of q.
	Instances(ctx context.Context, q Query) ([]model.Instance, error)
	// Redeploy calls RedeployInstance once. It is never retried blindly: it has no
	// idempotency token.
	Redeploy(ctx context.Context, req RedeployRequest) (TaskRef, error)
	// Tasks reports the status of tasks in one region.
	Tasks(ctx context.Context, region string, taskIDs []string) ([]model.Task, error)
	// ListTasks lists the RedeployInstance tasks of one region that match q, every page
	// (DescribeTasks with TaskAction=RedeployInstance), newest first.
	ListTasks(ctx context.Context, q TaskQuery) ([]model.Task, error)
	// PendingEvents lists the pending events (Scheduled, Executing, Inquiring) of one
	// region that match q, every page, without the instances behind them: the cheap
	// question "what is new?" (DescribeInstanceHistoryEvents with EventPublishTime.Start).
	PendingEvents(ctx context.Context, q EventQuery) ([]model.Event, error)
	// Spent counts what the backend has sent so far, for the hub's pace.
	Spent() Spent
	// MaintenanceAttributes reads the maintenance attributes (windows, ActionOnMaintenance,
	// NotifyOnMaintenance) of instances of one region (DescribeInstanceMaintenanceAttributes,
	// every page, 100 ids a call). Every answer is one of ids; an id ECS does not answer is
	// left out. No ids is no call and no answer, never "every instance".
	MaintenanceAttributes(ctx context.Context, region string, ids []string) ([]model.MaintenanceAttribute, error)
	// AcceptInquiredSystemEvent calls AcceptInquiredSystemEvent(RegionId, EventId) once: it
	// authorises the platform's default action for an Inquiring event. The API's refusals
	// (404 InvalidEventId.NoInquiringEventFound, 403 OperationDenied.AcceptNotSupported,
	// OperationConflict, IncorrectInstanceStatus…) are *APIError with Code and RequestId.
	AcceptInquiredSystemEvent(ctx context.Context, req AcceptRequest) (AcceptRef, error)
	// CreateSimulatedSystemEvents calls CreateSimulatedSystemEvents once: one drill event of
	// req.EventType on each instance, due at req.NotBefore (drill.go).
	CreateSimulatedSystemEvents(ctx context.Context, req DrillRequest) (DrillRef, error)
	// CancelSimulatedSystemEvents calls CancelSimulatedSystemEvents once: each drill event,
	// Scheduled or Executing, becomes Canceled (drill.go).
	CancelSimulatedSystemEvents(ctx context.Context, req CancelDrillRequest) (CancelDrillRef, error)
}

// EventQuery selects pending events in one region, as DescribeInstanceHistoryEvents
// filters them.
type EventQuery struct {
	RegionID string
	// PublishedSince keeps the events published at or after it (EventPublishTime.Start,
	// sent to the second in UTC as the API page asks: yyyy-MM-ddTHH:mm:ssZ). Zero: all.
	PublishedSince time.Time
}

// Spent is what a backend has sent: calls (retries included) and Throttling replies. A
// backend that counts nothing answers zeros.
type Spent struct {
	Calls, Throttled int64
}

// AcceptRequest is one AcceptInquiredSystemEvent call.
type AcceptRequest struct {
	RegionID string
	EventID  string
	// InstanceID is the event's instance, when the caller knows it: for the audit line and
	// messages only; the API takes the event alone.
	InstanceID string
	// Identity is who asked: the guard checks its role, the audit log records it.
	Identity Identity
}

// AcceptRef is what an accepted event's call returned.
type AcceptRef struct {
	RegionID  string `json:"RegionId"`
	EventID   string `json:"EventId"`
	RequestID string `json:"RequestId"`
}

// ErrInvalidEventID is wrapped by every refusal of an id that is not shaped like a system
// event id (model.ValidEventID): nothing is sent for it.
var ErrInvalidEventID = errors.New("not a system event id")

// CheckEventID returns nil for an id shaped like a system event id, and otherwise an error
// wrapping ErrInvalidEventID that quotes it and shows the shape.
func CheckEventID(id string) error {
	if model.ValidEventID(id) {
		return nil
	}
	return fmt.Errorf("%w: %q; an event id is e- followed by letters and digits, e.g. e-bp1azkttqpldxgtedxxx (list them with `ecs-redeploy events`)", ErrInvalidEventID, id)
}

// TaskQuery selects RedeployInstance tasks in one region, as DescribeTasks filters them.
// Empty fields match all.
type TaskQuery struct {
	RegionID string
	// ResourceIDs are instance ids (DescribeTasks ResourceIds, a JSON list).
	ResourceIDs []string
	// Status is Processing, Finished or Failed (DescribeTasks TaskStatus).
	Status model.TaskStatus
}

// Query scopes Instances. No regions means every region the backend knows.
type Query struct {
	Regions []string
	// InstanceIDs, when set, restricts the answer to these instances.
	InstanceIDs []string
}

// RedeployRequest is one RedeployInstance call.
type RedeployRequest struct {
	RegionID   string
	InstanceID string
	ForceStop  bool
	// Identity is who asked: the guard checks its role, the audit log records it.
	Identity Identity
}

// TaskRef identifies the task a redeploy started.
type TaskRef struct {
	TaskID     string `json:"TaskId"`
	RegionID   string `json:"RegionId"`
	InstanceID string `json:"InstanceId"`
	RequestID  string `json:"RequestId"`
	// Reconciled is set when the reply was lost and the task was found through DescribeTasks.
	Reconciled bool `json:"Reconciled,omitempty"`
}

// APIError is an error answered by ECS (or the simulator), with everything a support
// ticket needs.
type APIError struct {
	Code       string
	HTTPStatus int
	Message    string
	RequestID  string
	Recommend  string
	// Action is the API action that answered (DescribeTasks, RedeployInstance, …), when the
	// backend knows it: a redeploy's audit line takes Code and RequestId only from the
	// RedeployInstance call, never from a listing made before or after it.
	Action string
}

func (e *APIError) Error() string {
	s := e.Code
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (RequestId " + e.RequestID + ")"
	}
	return s
}

// Codes that clients handle specially.
const (
	CodeThrottling         = "Throttling"
	CodeInternalError      = "InternalError"
	CodeServiceUnavailable = "ServiceUnavailable"
)

// ErrOutcomeUnknown is wrapped by a Redeploy whose reply was lost and whose outcome could
// not be found out: the redeploy may have started. Callers must not offer to submit it
// again until they have seen the instance's state.
var ErrOutcomeUnknown = errors.New("whether the redeploy started is unknown")

// ErrInvalidInstanceID is wrapped by every refusal of an id that is not shaped like an ECS
// instance id (model.ValidInstanceID). Nothing is sent for such an id: an empty one reaches
// the API as no filter at all, and "the first instance of the answer" is then someone else.
var ErrInvalidInstanceID = errors.New("not an ECS instance id")

// CheckInstanceID returns nil for an id shaped like an ECS instance id, and otherwise an
// error wrapping ErrInvalidInstanceID that quotes the id and shows the shape. Every path
// that names an instance to the API calls it first: the CLI, both backends' Redeploy and
// Instances, and taskwait.
func CheckInstanceID(id string) error {
	if model.ValidInstanceID(id) {
		return nil
	}
	return fmt.Errorf("%w: %q; an instance id is i- followed by lowercase letters and digits, e.g. i-bp1azkttqpldxgtedxxx (list them with `ecs-redeploy events`)", ErrInvalidInstanceID, id)
}

// CheckInstanceIDs is CheckInstanceID for each id; the first bad one is the error.
func CheckInstanceIDs(ids []string) error {
	for _, id := range ids {
		if err := CheckInstanceID(id); err != nil {
			return err
		}
	}
	return nil
}

// ErrAlreadyInProgress is wrapped by a Redeploy refused before it was sent because the
// instance already has a Processing RedeployInstance task, started by this process or by
// any other (a second console, the aliyun CLI, the cloud console). The message names the
// task. Nothing was sent; the task under way goes on.
var ErrAlreadyInProgress = errors.New("a redeploy of this instance is already in progress")

// ErrUnprovenReply is wrapped by an error for a reply that does not carry what its action
// must return (RedeployInstance without TaskId or RequestId, a listing without its set or
// with counts that disagree, an empty 200, a gateway's page instead of ECS's error body).
// Such a reply proves nothing: never success, never "empty", never "did not start".
var ErrUnprovenReply = errors.New("the reply proves nothing")

// NewAPIError builds an APIError from an eligibility block: the API's documented text for
// the code where the docs give one, else the block's own words.
func NewAPIError(b model.Block, requestID string) *APIError {
	msg := b.Message
	if b.APIMessage != "" {
		msg = b.APIMessage
	}
	return &APIError{Code: b.Code, HTTPStatus: b.HTTPStatus, Message: msg, RequestID: requestID}
}

// AsAPIError unwraps err to an *APIError, if there is one.
func AsAPIError(err error) (*APIError, bool) {
	var ae *APIError
	ok := errors.As(err, &ae)
	return ae, ok
}

// CallError returns the *APIError in err's tree that the API answered to action, or to an
// unnamed action (an error built without one). Errors of other calls wrapped beside it —
// a DescribeTasks that failed while reconciling a redeploy — are skipped.
func CallError(err error, action string) (*APIError, bool) {
	for _, e := range walk(err) {
		if ae, ok := e.(*APIError); ok && (ae.Action == "" || ae.Action == action) {
			return ae, true
		}
	}
	return nil, false
}

// walk lists err and everything it wraps, depth first, in the order errors.As visits them.
func walk(err error) []error {
	if err == nil {
		return nil
	}
	out := []error{err}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		out = append(out, walk(u.Unwrap())...)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			out = append(out, walk(e)...)
		}
	}
	return out
}

// Code returns the API code inside err, or "".
func Code(err error) string {
	if ae, ok := AsAPIError(err); ok {
		return ae.Code
	}
	return ""
}

// IsThrottling reports whether code is a throttling refusal: Throttling, or the gateway's
// Throttling.User and Throttling.Api. They refuse a call before it runs.
func IsThrottling(code string) bool {
	return code == CodeThrottling || strings.HasPrefix(code, CodeThrottling+".")
}
