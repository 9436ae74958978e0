package ecsapi

import (
	"fmt"
	"strconv"
	"strings"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// The maintenance actions, as the ECS API reference documents them (pages updated
// 2026-01-28) and the SDK's structs (services/ecs v1.63.107) parse them.

type maintenanceWindowJSON struct {
	StartTime string `json:"StartTime"`
	EndTime   string `json:"EndTime"`
}

type maintenanceAttributeJSON struct {
	InstanceID          string `json:"InstanceId"`
	NotifyOnMaintenance bool   `json:"NotifyOnMaintenance"`
	ActionOnMaintenance struct {
		Value           string `json:"Value"`
		DefaultValue    string `json:"DefaultValue"`
		SupportedValues struct {
			SupportedValue []string `json:"SupportedValue"`
		} `json:"SupportedValues"`
	} `json:"ActionOnMaintenance"`
	MaintenanceWindows struct {
		MaintenanceWindow []maintenanceWindowJSON `json:"MaintenanceWindow"`
	} `json:"MaintenanceWindows"`
}

type describeMaintenanceReply struct {
	RequestID             string `json:"RequestId"`
	TotalCount            int    `json:"TotalCount"`
	PageNumber            int    `json:"PageNumber"`
	PageSize              int    `json:"PageSize"`
	MaintenanceAttributes struct {
		MaintenanceAttribute []maintenanceAttributeJSON `json:"MaintenanceAttribute"`
	} `json:"MaintenanceAttributes"`
}

// maxMaintenanceIDs is InstanceId.N's limit on both actions ("Valid values of N: 1 to 100").
const maxMaintenanceIDs = 100

// maintenanceIDs reads InstanceId.N: at most 100, none empty.
func maintenanceIDs(r *request) ([]string, *apiError) {
	ids, aerr := r.list("InstanceId")
	if aerr != nil {
		return nil, aerr
	}
	if len(ids) > maxMaintenanceIDs {
		return nil, errInvalid("InstanceId.N", fmt.Sprintf("at most %d instance IDs per call, not %d", maxMaintenanceIDs, len(ids)))
	}
	for i, id := range ids {
		if strings.TrimSpace(id) == "" {
			return nil, errInvalid("InstanceId."+strconv.Itoa(i+1), "an instance ID is empty")
		}
	}
	return ids, nil
}

func (s *Server) describeInstanceMaintenanceAttributes(r *request) (any, *apiError) {
	if aerr := checkParams(r, "DescribeInstanceMaintenanceAttributes"); aerr != nil {
		return nil, aerr
	}
	region, aerr := s.requireRegion(r)
	if aerr != nil {
		return nil, aerr
	}
	ids, aerr := maintenanceIDs(r)
	if aerr != nil {
		return nil, aerr
	}
	number, size, aerr := pageNumbers(r)
	if aerr != nil {
		return nil, aerr
	}
	all := s.e.MaintenanceAttributes(region, ids)
	lo, hi := pageWindow(len(all), number, size)
	out := describeMaintenanceReply{RequestID: s.e.NewRequestID(), TotalCount: len(all), PageNumber: number, PageSize: size}
	out.MaintenanceAttributes.MaintenanceAttribute = make([]maintenanceAttributeJSON, 0, hi-lo)
	for _, a := range all[lo:hi] {
		var j maintenanceAttributeJSON
		j.InstanceID = a.InstanceID
		j.NotifyOnMaintenance = a.NotifyOnMaintenance
		j.ActionOnMaintenance.Value = string(a.Action)
		j.ActionOnMaintenance.DefaultValue = string(a.DefaultAction)
		j.ActionOnMaintenance.SupportedValues.SupportedValue = make([]string, 0, len(a.SupportedActions))
		for _, v := range a.SupportedActions {
			j.ActionOnMaintenance.SupportedValues.SupportedValue = append(j.ActionOnMaintenance.SupportedValues.SupportedValue, string(v))
		}
		j.MaintenanceWindows.MaintenanceWindow = make([]maintenanceWindowJSON, 0, len(a.Windows))
		for _, w := range a.Windows {
			j.MaintenanceWindows.MaintenanceWindow = append(j.MaintenanceWindows.MaintenanceWindow, maintenanceWindowJSON{StartTime: w.StartTime(), EndTime: w.EndTime()})
		}
		out.MaintenanceAttributes.MaintenanceAttribute = append(out.MaintenanceAttributes.MaintenanceAttribute, j)
	}
	return out, nil
}

type modifyMaintenanceReply struct {
	RequestID string `json:"RequestId"`
}

// errRefusedValue is ModifyInstanceMaintenanceAttributes' refusal of a value: the page's
// error table answers an invalid parameter 403 InvalidParameter.
func errRefusedValue(name, why string) *apiError {
	return &apiError{status: 403, code: "InvalidParameter",
		message: fmt.Sprintf("The specified parameter %q is not valid: %s.", name, why)}
}

// maintenanceWindowParam reads MaintenanceWindow.N.StartTime/EndTime. The page: "Set the
// value of N to 1"; both times together; on the hour; EndTime 1 to 23 hours after
// StartTime; UTC+8, HH:mm:ss. Nil when no window is given.
func maintenanceWindowParam(r *request) ([]model.MaintenanceWindow, *apiError) {
	var start, end string
	for k, vs := range r.params {
		if !strings.HasPrefix(k, "MaintenanceWindow.") {
			continue
		}
		switch k {
		case "MaintenanceWindow.1.StartTime":
			start = vs[0]
		case "MaintenanceWindow.1.EndTime":
			end = vs[0]
		default:
			return nil, errRefusedValue(k, "an instance has one maintenance window: set MaintenanceWindow.1.StartTime and MaintenanceWindow.1.EndTime")
		}
	}
	switch {
	case start == "" && end == "":
		return nil, nil
	case start == "":
		return nil, errMissing("MaintenanceWindow.1.StartTime")
	case end == "":
		return nil, errMissing("MaintenanceWindow.1.EndTime")
	}
	for name, v := range map[string]string{"MaintenanceWindow.1.StartTime": start, "MaintenanceWindow.1.EndTime": end} {
		if strings.HasSuffix(v, "Z") {
			return nil, errRefusedValue(name, "write the time HH:mm:ss in UTC+8, without Z")
		}
	}
	w, err := model.ParseMaintenanceWindow(start, end)
	if err == nil {
		err = w.CheckSettable()
	}
	if err != nil {
		return nil, errRefusedValue("MaintenanceWindow.1", strings.TrimPrefix(err.Error(), model.ErrMaintenanceWindow.Error()+": "))
	}
	return []model.MaintenanceWindow{w}, nil
}

func (s *Server) modifyInstanceMaintenanceAttributes(r *request) (any, *apiError) {
	if aerr := checkParams(r, "ModifyInstanceMaintenanceAttributes"); aerr != nil {
		return nil, aerr
	}
	region, aerr := s.requireRegion(r)
	if aerr != nil {
		return nil, aerr
	}
	ids, aerr := maintenanceIDs(r)
	if aerr != nil {
		return nil, aerr
	}
	if len(ids) == 0 {
		// Without an instance the call would change nothing, or everything: neither is
		// what a caller meant.
		return nil, errMissing("InstanceId.1")
	}
	var c sim.MaintenanceChange
	if c.Windows, aerr = maintenanceWindowParam(r); aerr != nil {
		return nil, aerr
	}
	if v := r.get("ActionOnMaintenance"); v != "" {
		c.Action = model.MaintenanceAction(v)
		if !model.ValidMaintenanceAction(c.Action) {
			return nil, errRefusedValue("ActionOnMaintenance", "it is Stop, AutoRecover or AutoRedeploy, not "+strconv.Quote(v))
		}
	}
	set, notify, aerr := boolParam(r, "NotifyOnMaintenance")
	if aerr != nil {
		return nil, aerr
	}
	if set {
		c.Notify = &notify
	}
	if err := s.e.ModifyMaintenanceAttributes(region, ids, c); err != nil {
		return nil, fromBackend(err)
	}
	return modifyMaintenanceReply{RequestID: s.e.NewRequestID()}, nil
}
