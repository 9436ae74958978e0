package ecsapi

import "strings"

// ParamRule is what the simulator does with one parameter that ECS documents for an
// action (the SDK's request struct in services/ecs, v1.63.107): it is applied, or the call
// is answered 400 InvalidParameter naming it. None is ignored, so a client is never
// trained on a filter that did nothing. Repeated parameters are written Name.N.
type ParamRule struct {
	Action  string
	Name    string
	Applied bool
	// Does says what the simulator does with the parameter, or why it refuses it.
	Does string
}

// refused is a ParamRule for a parameter about something the simulator does not model.
func refused(action, name, why string) ParamRule {
	return ParamRule{Action: action, Name: name, Does: why}
}

func applied(action, name, does string) ParamRule {
	return ParamRule{Action: action, Name: name, Applied: true, Does: does}
}

const (
	oneAccount  = "refused: the simulator is one account, with no resource owners or resellers"
	noResGroups = "refused: the simulator has no resource groups"
)

// ParamRules is the table docs/simulator.md shows under "Parameters, applied or refused"; a
// test walks it against a running server.
var ParamRules = []ParamRule{
	applied("DescribeRegions", "InstanceChargeType", "PrePaid, PostPaid, SpotWithPriceLimit, SpotAsPriceGo: every region sells each; other values refused"),
	applied("DescribeRegions", "ResourceType", "instance, disk: every region; reservedinstance, scu refused (none are sold)"),
	applied("DescribeRegions", "AcceptLanguage", "zh-CN (default) gives LocalName in Chinese, en-US in English; other values refused"),
	refused("DescribeRegions", "OwnerId", oneAccount),
	refused("DescribeRegions", "OwnerAccount", oneAccount),
	refused("DescribeRegions", "ResourceOwnerId", oneAccount),
	refused("DescribeRegions", "ResourceOwnerAccount", oneAccount),

	applied("DescribeInstances", "InstanceIds", "JSON array of at most 100 ids; ids of other regions are not answered"),
	applied("DescribeInstances", "InstanceName", "exact name; `*` matches any run of characters"),
	applied("DescribeInstances", "Status", "Pending, Running, Starting, Stopping, Stopped"),
	applied("DescribeInstances", "ZoneId", "exact zone"),
	applied("DescribeInstances", "InstanceType", "exact type, e.g. ecs.g7.large"),
	applied("DescribeInstances", "InstanceTypeFamily", "exact family, e.g. ecs.g7"),
	applied("DescribeInstances", "LockReason", "instances with that OperationLocks reason"),
	applied("DescribeInstances", "InstanceChargeType", "PrePaid or PostPaid"),
	applied("DescribeInstances", "InternetChargeType", "every simulated instance is PayByTraffic"),
	applied("DescribeInstances", "InstanceNetworkType", "every simulated instance is in a vpc; classic answers none"),
	applied("DescribeInstances", "VpcId", "the VPC shown in VpcAttributes (one per region and environment)"),
	applied("DescribeInstances", "VSwitchId", "the vSwitch shown in VpcAttributes (one per zone and environment)"),
	applied("DescribeInstances", "IoOptimized", "every simulated instance is I/O optimized: true answers all, false none"),
	applied("DescribeInstances", "Tag.N.Key", "instances with every tag given (up to 20); a key alone matches any value"),
	applied("DescribeInstances", "Tag.N.Value", "the value Tag.N.Key must have"),
	applied("DescribeInstances", "DryRun", "true answers 400 DryRunOperation after checking the request, as ECS does"),
	applied("DescribeInstances", "PageNumber", "page style, from 1; PageSize 1–100, default 10"),
	applied("DescribeInstances", "PageSize", "1–100, default 10"),
	applied("DescribeInstances", "MaxResults", "token style, 1–100, default 10; NextToken in the reply while more follow"),
	applied("DescribeInstances", "NextToken", "the previous page's NextToken, a cursor on fleet order"),
	refused("DescribeInstances", "Filter.N.Key", "refused: creation and expiry time filters are not simulated"),
	refused("DescribeInstances", "Filter.N.Value", "refused: creation and expiry time filters are not simulated"),
	refused("DescribeInstances", "InnerIpAddresses", "refused: classic-network addresses are not simulated"),
	refused("DescribeInstances", "PrivateIpAddresses", "refused: private addresses are not simulated"),
	refused("DescribeInstances", "PublicIpAddresses", "refused: public addresses are not simulated"),
	refused("DescribeInstances", "EipAddresses", "refused: elastic IP addresses are not simulated"),
	refused("DescribeInstances", "RdmaIpAddresses", "refused: RDMA addresses are not simulated"),
	refused("DescribeInstances", "Ipv6Address.N", "refused: IPv6 addresses are not simulated"),
	refused("DescribeInstances", "HpcClusterId", "refused: HPC clusters are not simulated"),
	refused("DescribeInstances", "KeyPairName", "refused: key pairs are not simulated"),
	refused("DescribeInstances", "ImageId", "refused: images are not simulated"),
	refused("DescribeInstances", "SecurityGroupId", "refused: security groups are not simulated"),
	refused("DescribeInstances", "DeviceAvailable", "refused: disk attachment is not simulated"),
	refused("DescribeInstances", "NeedSaleCycle", "refused: sale cycles are not simulated"),
	refused("DescribeInstances", "AdditionalAttributes.N", "refused: the additional attributes (META_OPTIONS, …) are not simulated"),
	refused("DescribeInstances", "HttpEndpoint", "refused: the metadata service options are not simulated"),
	refused("DescribeInstances", "HttpTokens", "refused: the metadata service options are not simulated"),
	refused("DescribeInstances", "HttpPutResponseHopLimit", "refused: the metadata service options are not simulated"),
	refused("DescribeInstances", "ResourceGroupId", noResGroups),
	refused("DescribeInstances", "OwnerId", oneAccount),
	refused("DescribeInstances", "OwnerAccount", oneAccount),
	refused("DescribeInstances", "ResourceOwnerId", oneAccount),
	refused("DescribeInstances", "ResourceOwnerAccount", oneAccount),

	applied("DescribeInstanceHistoryEvents", "InstanceId", "that instance's events"),
	applied("DescribeInstanceHistoryEvents", "ResourceId.N", "those instances' events (up to 100)"),
	applied("DescribeInstanceHistoryEvents", "EventId.N", "those events (up to 100)"),
	applied("DescribeInstanceHistoryEvents", "InstanceEventCycleStatus.N", "those cycle statuses; without it or EventCycleStatus, final events only, as ECS"),
	applied("DescribeInstanceHistoryEvents", "EventCycleStatus", "one cycle status, added to InstanceEventCycleStatus.N"),
	applied("DescribeInstanceHistoryEvents", "InstanceEventType.N", "those event types"),
	applied("DescribeInstanceHistoryEvents", "EventType", "one event type, added to InstanceEventType.N"),
	applied("DescribeInstanceHistoryEvents", "NotBefore.Start", "deadline at or after, UTC yyyy-MM-ddTHH:mm:ssZ"),
	applied("DescribeInstanceHistoryEvents", "NotBefore.End", "deadline at or before"),
	applied("DescribeInstanceHistoryEvents", "EventPublishTime.Start", "published at or after"),
	applied("DescribeInstanceHistoryEvents", "EventPublishTime.End", "published at or before"),
	applied("DescribeInstanceHistoryEvents", "ImpactLevel", "exact impact level"),
	applied("DescribeInstanceHistoryEvents", "ResourceType", "instance answers every event; ddh and managehost answer none (no host events are simulated); other values refused"),
	applied("DescribeInstanceHistoryEvents", "Tag.N.Key", "events of instances with every tag given; a key alone matches any value"),
	applied("DescribeInstanceHistoryEvents", "Tag.N.Value", "the value Tag.N.Key must have"),
	applied("DescribeInstanceHistoryEvents", "PageNumber", "page style, from 1; PageSize 1–100, default 10"),
	applied("DescribeInstanceHistoryEvents", "PageSize", "1–100, default 10"),
	applied("DescribeInstanceHistoryEvents", "MaxResults", "token style, default 10; below 10 is 10 and above 100 is 100, as the API documents; NextToken in the reply while more follow"),
	applied("DescribeInstanceHistoryEvents", "NextToken", "the previous page's NextToken, a cursor on fleet order"),
	refused("DescribeInstanceHistoryEvents", "ResourceGroupId", noResGroups),
	refused("DescribeInstanceHistoryEvents", "OwnerId", oneAccount),
	refused("DescribeInstanceHistoryEvents", "OwnerAccount", oneAccount),
	refused("DescribeInstanceHistoryEvents", "ResourceOwnerId", oneAccount),
	refused("DescribeInstanceHistoryEvents", "ResourceOwnerAccount", oneAccount),

	applied("RedeployInstance", "InstanceId", "the instance to redeploy; the API's refusals (status, security lock, dedicated host, expiry, DiskError, no answered event) as documented"),
	applied("RedeployInstance", "ForceStop", "true or false (default): a Running instance stops in 10 s instead of 90 s"),
	refused("RedeployInstance", "DryRun", "refused: RedeployInstance documents no DryRun (API reference and SDK request); nothing is redeployed"),
	refused("RedeployInstance", "OwnerId", oneAccount),
	refused("RedeployInstance", "OwnerAccount", oneAccount),
	refused("RedeployInstance", "ResourceOwnerId", oneAccount),
	refused("RedeployInstance", "ResourceOwnerAccount", oneAccount),

	applied("DescribeTasks", "TaskIds", "comma-separated task ids (a JSON array too), at most 100"),
	applied("DescribeTasks", "TaskAction", "exact action, e.g. RedeployInstance"),
	applied("DescribeTasks", "TaskStatus", "Processing, Finished or Failed"),
	applied("DescribeTasks", "ResourceIds", `JSON list of instance ids (or ResourceIds.N), at most 100`),
	applied("DescribeTasks", "ResourceIds.N", "instance ids, at most 100"),
	applied("DescribeTasks", "TaskGroupId", "tasks of that group; a RedeployInstance task belongs to none, so any group answers none"),
	applied("DescribeTasks", "StartTime", "created at or after, UTC yyyy-MM-ddTHH:mmZ"),
	applied("DescribeTasks", "EndTime", "created at or before, UTC yyyy-MM-ddTHH:mmZ"),
	applied("DescribeTasks", "PageNumber", "from 1"),
	applied("DescribeTasks", "PageSize", "1–100, default 10"),
	refused("DescribeTasks", "OwnerId", oneAccount),
	refused("DescribeTasks", "OwnerAccount", oneAccount),
	refused("DescribeTasks", "ResourceOwnerId", oneAccount),
	refused("DescribeTasks", "ResourceOwnerAccount", oneAccount),

	applied("AcceptInquiredSystemEvent", "EventId", "an Inquiring event of the region: Executing at once, Executed 5 min later"),
	refused("AcceptInquiredSystemEvent", "Choice", "refused: in invitational preview, not publicly available"),
	refused("AcceptInquiredSystemEvent", "OwnerId", oneAccount),
	refused("AcceptInquiredSystemEvent", "OwnerAccount", oneAccount),
	refused("AcceptInquiredSystemEvent", "ResourceOwnerId", oneAccount),
	refused("AcceptInquiredSystemEvent", "ResourceOwnerAccount", oneAccount),

	applied("CreateSimulatedSystemEvents", "EventType", "SystemMaintenance.Reboot/.Stop/.Redeploy, SystemFailure.Reboot/.Redeploy/.Stop, InstanceFailure.Reboot"),
	applied("CreateSimulatedSystemEvents", "NotBefore", "UTC yyyy-MM-ddTHH:mm:ssZ: when the drill is Executed (failure types start Executing)"),
	applied("CreateSimulatedSystemEvents", "InstanceId.N", "1–100 instances of the region; one drill each"),
	refused("CreateSimulatedSystemEvents", "OwnerId", oneAccount),
	refused("CreateSimulatedSystemEvents", "OwnerAccount", oneAccount),
	refused("CreateSimulatedSystemEvents", "ResourceOwnerId", oneAccount),
	refused("CreateSimulatedSystemEvents", "ResourceOwnerAccount", oneAccount),

	applied("CancelSimulatedSystemEvents", "EventId.N", "1–100 drills of the region, Scheduled or Executing → Canceled"),
	refused("CancelSimulatedSystemEvents", "OwnerId", oneAccount),
	refused("CancelSimulatedSystemEvents", "OwnerAccount", oneAccount),
	refused("CancelSimulatedSystemEvents", "ResourceOwnerId", oneAccount),
	refused("CancelSimulatedSystemEvents", "ResourceOwnerAccount", oneAccount),

	applied("DescribeInstanceMaintenanceAttributes", "InstanceId.N", "those instances (up to 100), in the order given; ids of other regions are not answered; without it, every instance of the region"),
	applied("DescribeInstanceMaintenanceAttributes", "PageNumber", "from 1"),
	applied("DescribeInstanceMaintenanceAttributes", "PageSize", "1–100, default 10"),
	refused("DescribeInstanceMaintenanceAttributes", "OwnerId", oneAccount),
	refused("DescribeInstanceMaintenanceAttributes", "OwnerAccount", oneAccount),
	refused("DescribeInstanceMaintenanceAttributes", "ResourceOwnerId", oneAccount),
	refused("DescribeInstanceMaintenanceAttributes", "ResourceOwnerAccount", oneAccount),

	applied("ModifyInstanceMaintenanceAttributes", "InstanceId.N", "1 to 100 instances, all changed or none (an unknown one is 404 InvalidInstanceId.NotFound)"),
	applied("ModifyInstanceMaintenanceAttributes", "MaintenanceWindow.N.StartTime", "N is 1; HH:mm:ss in UTC+8, on the hour; with EndTime; replaces the window"),
	applied("ModifyInstanceMaintenanceAttributes", "MaintenanceWindow.N.EndTime", "1 to 23 hours after StartTime (past midnight counts on); otherwise 403 InvalidParameter"),
	applied("ModifyInstanceMaintenanceAttributes", "ActionOnMaintenance", "Stop, AutoRecover or AutoRedeploy; otherwise 403 InvalidParameter"),
	applied("ModifyInstanceMaintenanceAttributes", "NotifyOnMaintenance", "true or false"),
	refused("ModifyInstanceMaintenanceAttributes", "OwnerId", oneAccount),
	refused("ModifyInstanceMaintenanceAttributes", "OwnerAccount", oneAccount),
	refused("ModifyInstanceMaintenanceAttributes", "ResourceOwnerId", oneAccount),
	refused("ModifyInstanceMaintenanceAttributes", "ResourceOwnerAccount", oneAccount),
}

// commonParams are the RPC protocol's own parameters, checked by authenticate, and
// RegionId, which the SDK sends on every call.
var commonParams = map[string]bool{
	"Action": true, "Version": true, "Format": true, "AccessKeyId": true, "Signature": true,
	"SignatureMethod": true, "SignatureVersion": true, "SignatureNonce": true, "SignatureType": true,
	"Timestamp": true, "SecurityToken": true, "BearerToken": true, "RegionId": true,
}

// paramsByAction indexes ParamRules for checkParams.
var paramsByAction = func() map[string]map[string]ParamRule {
	m := map[string]map[string]ParamRule{}
	for _, p := range ParamRules {
		if m[p.Action] == nil {
			m[p.Action] = map[string]ParamRule{}
		}
		m[p.Action][p.Name] = p
	}
	return m
}()

// checkParams refuses a call to action that carries a parameter the simulator would not
// apply: one of its refused rows, or one ECS does not document for the action. An action
// without rows is not checked.
func checkParams(r *request, action string) *apiError {
	rules := paramsByAction[action]
	if rules == nil {
		return nil
	}
	// The first such parameter in name order, so a call with two is always refused for the
	// same one: the least of them, found without sorting every name of every call.
	var worst string
	var worstErr *apiError
	for k, vs := range r.params {
		if commonParams[k] || len(vs) == 0 || vs[0] == "" || (worstErr != nil && k >= worst) {
			continue
		}
		rule, ok := rules[ruleName(k)]
		switch {
		case !ok:
			worst, worstErr = k, errInvalid(k, action+" has no such parameter; the simulator refuses what it would not apply")
		case !rule.Applied:
			worst, worstErr = k, errInvalid(k, strings.TrimPrefix(rule.Does, "refused: "))
		}
	}
	return worstErr
}

// ruleName is the ParamRules name of parameter k: each index of a repeated parameter
// (".1" before a dot or at the end) written ".N", as the regular expression
// `\.[0-9]+(\.|$)` → ".N$1" would, matches taken left to right without overlapping. It
// returns k itself, unallocated, when k has no index; a regular expression per parameter
// per call was a tenth of the allocations of a listing.
func ruleName(k string) string {
	var b []byte
	last := 0
	for i := 0; i < len(k); i++ {
		if k[i] != '.' {
			continue
		}
		j := i + 1
		for j < len(k) && '0' <= k[j] && k[j] <= '9' {
			j++
		}
		if j == i+1 || (j < len(k) && k[j] != '.') {
			continue
		}
		b = append(append(b, k[last:i]...), ".N"...)
		if j < len(k) {
			b = append(b, '.')
			j++ // the dot after the index is the match's, not the next one's
		}
		last = j
		i = j - 1
	}
	if b == nil {
		return k
	}
	return string(append(b, k[last:]...))
}
