package ecsapi

import (
	"sort"
	"strconv"
	"time"

	"ecs-redeploy/model"
)

// The DescribeInstances reply as it was built before appendInstancesReply wrote it straight
// from the engine's instances: one instanceJSON per instance, encoded field by field. It
// is kept as the reference the direct encoder is checked against, byte for byte, and that
// encoding/json checks in turn, value for value.

type lockJSON struct {
	LockReason string `json:"LockReason"`
	LockMsg    string `json:"LockMsg,omitempty"`
}

type tagJSON struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

type dedicatedHostJSON struct {
	DedicatedHostID        string `json:"DedicatedHostId"`
	DedicatedHostName      string `json:"DedicatedHostName"`
	DedicatedHostClusterID string `json:"DedicatedHostClusterId"`
}

type vpcJSON struct {
	VpcID            string `json:"VpcId"`
	VSwitchID        string `json:"VSwitchId"`
	PrivateIPAddress struct {
		IPAddress []string `json:"IpAddress"`
	} `json:"PrivateIpAddress"`
}

type instanceJSON struct {
	InstanceID             string            `json:"InstanceId"`
	InstanceName           string            `json:"InstanceName"`
	HostName               string            `json:"HostName"`
	Description            string            `json:"Description"`
	RegionID               string            `json:"RegionId"`
	ZoneID                 string            `json:"ZoneId"`
	InstanceType           string            `json:"InstanceType"`
	InstanceTypeFamily     string            `json:"InstanceTypeFamily"`
	Cpu                    int               `json:"Cpu"`
	Memory                 int               `json:"Memory"`
	Status                 string            `json:"Status"`
	InstanceChargeType     string            `json:"InstanceChargeType"`
	InternetChargeType     string            `json:"InternetChargeType"`
	InstanceNetworkType    string            `json:"InstanceNetworkType"`
	OSType                 string            `json:"OSType"`
	CreationTime           string            `json:"CreationTime"`
	StartTime              string            `json:"StartTime"`
	ExpiredTime            string            `json:"ExpiredTime"`
	LocalStorageAmount     int               `json:"LocalStorageAmount"`
	LocalStorageCapacity   int64             `json:"LocalStorageCapacity"`
	DeploymentSetID        string            `json:"DeploymentSetId"`
	IoOptimized            bool              `json:"IoOptimized"`
	VpcAttributes          vpcJSON           `json:"VpcAttributes"`
	DedicatedHostAttribute dedicatedHostJSON `json:"DedicatedHostAttribute"`
	OperationLocks         struct {
		LockReason []lockJSON `json:"LockReason"`
	} `json:"OperationLocks"`
	Tags struct {
		Tag []tagJSON `json:"Tag"`
	} `json:"Tags"`
}

type describeInstancesReply struct {
	RequestID  string `json:"RequestId"`
	TotalCount int    `json:"TotalCount"`
	PageNumber int    `json:"PageNumber,omitempty"`
	PageSize   int    `json:"PageSize"`
	NextToken  string `json:"NextToken,omitempty"`
	Instances  struct {
		Instance []instanceJSON `json:"Instance"`
	} `json:"Instances"`
}

func (s *Server) instanceJSON(in *model.Instance) instanceJSON {
	// CreationTime is not in the model; derive a stable one from the id.
	h := fnv32a(in.ID)
	created := s.created.Add(-time.Duration(30+h%700) * 24 * time.Hour).Add(time.Duration(h%1440) * time.Minute)
	cpu, mem := shape(in.InstanceType)
	createdAt := fmtMinute(created)
	j := instanceJSON{
		InstanceID:           in.ID,
		InstanceName:         in.Name,
		HostName:             in.Name,
		RegionID:             in.RegionID,
		ZoneID:               in.ZoneID,
		InstanceType:         in.InstanceType,
		InstanceTypeFamily:   in.Family,
		Cpu:                  cpu,
		Memory:               mem,
		Status:               string(in.Status),
		InstanceChargeType:   in.ChargeType,
		InternetChargeType:   internetChargeType,
		InstanceNetworkType:  networkType,
		OSType:               "linux",
		CreationTime:         createdAt,
		StartTime:            createdAt,
		ExpiredTime:          fmtMinute(in.ExpiredTime),
		LocalStorageAmount:   in.LocalStorageAmount,
		LocalStorageCapacity: in.LocalStorageCapacity,
		DeploymentSetID:      in.DeploymentSetID,
		IoOptimized:          true,
	}
	j.VpcAttributes.VpcID, j.VpcAttributes.VSwitchID = vpcID(in), vSwitchID(in)
	j.VpcAttributes.PrivateIPAddress.IPAddress = []string{}
	if in.ExpiredTime.IsZero() {
		j.ExpiredTime = neverExpires
	}
	if in.DedicatedHostID != "" {
		j.DedicatedHostAttribute = dedicatedHostJSON{DedicatedHostID: in.DedicatedHostID,
			DedicatedHostName: "dh-" + in.ZoneID, DedicatedHostClusterID: "dc-" + in.ZoneID}
	}
	j.OperationLocks.LockReason = make([]lockJSON, 0, len(in.OperationLocks))
	for _, l := range in.OperationLocks {
		j.OperationLocks.LockReason = append(j.OperationLocks.LockReason, lockJSON{LockReason: string(l), LockMsg: lockMessages[l]})
	}
	keys := make([]string, 0, len(in.Tags))
	for k := range in.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	j.Tags.Tag = make([]tagJSON, 0, len(keys))
	for _, k := range keys {
		j.Tags.Tag = append(j.Tags.Tag, tagJSON{TagKey: k, TagValue: in.Tags[k]})
	}
	return j
}

// appendJSON is the former hand-written encoder of a describeInstancesReply.
func (o *describeInstancesReply) appendJSON(b []byte) rawJSON {
	b = append(b, `{"RequestId":`...)
	b = appendJSONString(b, o.RequestID)
	b = append(b, `,"TotalCount":`...)
	b = strconv.AppendInt(b, int64(o.TotalCount), 10)
	if o.PageNumber != 0 {
		b = append(b, `,"PageNumber":`...)
		b = strconv.AppendInt(b, int64(o.PageNumber), 10)
	}
	b = append(b, `,"PageSize":`...)
	b = strconv.AppendInt(b, int64(o.PageSize), 10)
	if o.NextToken != "" {
		b = append(b, `,"NextToken":`...)
		b = appendJSONString(b, o.NextToken)
	}
	b = append(b, `,"Instances":{"Instance":`...)
	if o.Instances.Instance == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range o.Instances.Instance {
			if i > 0 {
				b = append(b, ',')
			}
			b = o.Instances.Instance[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	return append(b, "}}"...)
}

func (j *instanceJSON) appendJSON(b []byte) []byte {
	str := func(name, v string) {
		b = append(b, name...)
		b = appendJSONString(b, v)
	}
	num := func(name string, v int64) {
		b = append(b, name...)
		b = strconv.AppendInt(b, v, 10)
	}
	str(`{"InstanceId":`, j.InstanceID)
	str(`,"InstanceName":`, j.InstanceName)
	str(`,"HostName":`, j.HostName)
	str(`,"Description":`, j.Description)
	str(`,"RegionId":`, j.RegionID)
	str(`,"ZoneId":`, j.ZoneID)
	str(`,"InstanceType":`, j.InstanceType)
	str(`,"InstanceTypeFamily":`, j.InstanceTypeFamily)
	num(`,"Cpu":`, int64(j.Cpu))
	num(`,"Memory":`, int64(j.Memory))
	str(`,"Status":`, j.Status)
	str(`,"InstanceChargeType":`, j.InstanceChargeType)
	str(`,"InternetChargeType":`, j.InternetChargeType)
	str(`,"InstanceNetworkType":`, j.InstanceNetworkType)
	str(`,"OSType":`, j.OSType)
	str(`,"CreationTime":`, j.CreationTime)
	str(`,"StartTime":`, j.StartTime)
	str(`,"ExpiredTime":`, j.ExpiredTime)
	num(`,"LocalStorageAmount":`, int64(j.LocalStorageAmount))
	num(`,"LocalStorageCapacity":`, j.LocalStorageCapacity)
	str(`,"DeploymentSetId":`, j.DeploymentSetID)
	b = append(b, `,"IoOptimized":`...)
	b = strconv.AppendBool(b, j.IoOptimized)
	str(`,"VpcAttributes":{"VpcId":`, j.VpcAttributes.VpcID)
	str(`,"VSwitchId":`, j.VpcAttributes.VSwitchID)
	b = append(b, `,"PrivateIpAddress":{"IpAddress":`...)
	if ips := j.VpcAttributes.PrivateIPAddress.IPAddress; ips == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, ip := range ips {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, ip)
		}
		b = append(b, ']')
	}
	str(`}},"DedicatedHostAttribute":{"DedicatedHostId":`, j.DedicatedHostAttribute.DedicatedHostID)
	str(`,"DedicatedHostName":`, j.DedicatedHostAttribute.DedicatedHostName)
	str(`,"DedicatedHostClusterId":`, j.DedicatedHostAttribute.DedicatedHostClusterID)
	b = append(b, `},"OperationLocks":{"LockReason":`...)
	if locks := j.OperationLocks.LockReason; locks == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, l := range locks {
			if i > 0 {
				b = append(b, ',')
			}
			str(`{"LockReason":`, l.LockReason)
			if l.LockMsg != "" {
				str(`,"LockMsg":`, l.LockMsg)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `},"Tags":{"Tag":`...)
	if tags := j.Tags.Tag; tags == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, t := range tags {
			if i > 0 {
				b = append(b, ',')
			}
			str(`{"TagKey":`, t.TagKey)
			str(`,"TagValue":`, t.TagValue)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, "}}"...)
}
