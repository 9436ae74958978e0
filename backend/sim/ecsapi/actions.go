package ecsapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"ecs-redeploy/backend/sim"
	"ecs-redeploy/model"
)

// Time layouts as ECS writes them: DescribeInstances and DescribeTasks to the minute,
// system events to the second.
const (
	minuteLayout = "2006-01-02T15:04Z"
	secondLayout = "2006-01-02T15:04:05Z"
)

// neverExpires is the ExpiredTime ECS reports for pay-as-you-go instances.
const neverExpires = "2099-12-31T15:59Z"

func fmtMinute(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(minuteLayout)
}

// requireRegion checks RegionId: it is mandatory and must be one of the fleet's regions.
func (s *Server) requireRegion(r *request) (string, *apiError) {
	region := r.get("RegionId")
	if region == "" {
		return "", errMissing("RegionId")
	}
	if !s.e.HasRegion(region) {
		return "", &apiError{status: 404, code: "InvalidRegionId.NotFound",
			message: fmt.Sprintf("The specified RegionId %q does not exist.", region)}
	}
	return region, nil
}

// ---- DescribeRegions ----

type regionJSON struct {
	RegionID       string `json:"RegionId"`
	LocalName      string `json:"LocalName"`
	RegionEndpoint string `json:"RegionEndpoint"`
	Status         string `json:"Status"`
}

type describeRegionsReply struct {
	RequestID string `json:"RequestId"`
	Regions   struct {
		Region []regionJSON `json:"Region"`
	} `json:"Regions"`
}

// englishNames are the regions' LocalName for AcceptLanguage en-US; a region missing here
// (from a scenario file) is named by its id.
var englishNames = map[string]string{
	"cn-hangzhou": "China (Hangzhou)", "cn-shanghai": "China (Shanghai)", "cn-beijing": "China (Beijing)",
	"cn-shenzhen": "China (Shenzhen)", "cn-zhangjiakou": "China (Zhangjiakou)", "cn-hongkong": "China (Hong Kong)",
	"ap-southeast-1": "Singapore", "ap-northeast-1": "Japan (Tokyo)", "eu-central-1": "Germany (Frankfurt)",
	"us-west-1": "US (Silicon Valley)",
}

func (s *Server) describeRegions(r *request) (any, *apiError) {
	if aerr := checkParams(r, "DescribeRegions"); aerr != nil {
		return nil, aerr
	}
	// Every region sells every charge type and every kind of disk; what the simulator
	// does not sell is refused rather than answered as if it were.
	switch r.get("InstanceChargeType") {
	case "", "PrePaid", "PostPaid", "SpotWithPriceLimit", "SpotAsPriceGo":
	default:
		return nil, errInvalid("InstanceChargeType", "it is PrePaid, PostPaid, SpotWithPriceLimit or SpotAsPriceGo")
	}
	switch r.get("ResourceType") {
	case "", "instance", "disk":
	case "reservedinstance", "scu":
		return nil, errInvalid("ResourceType", "the simulator sells no reserved instances or storage capacity units")
	default:
		return nil, errInvalid("ResourceType", "it is instance, disk, reservedinstance or scu")
	}
	english := false
	switch r.get("AcceptLanguage") {
	case "", "zh-CN":
	case "en-US":
		english = true
	default:
		return nil, errInvalid("AcceptLanguage", "the simulator answers zh-CN or en-US")
	}
	var out describeRegionsReply
	out.RequestID = s.e.NewRequestID()
	out.Regions.Region = []regionJSON{}
	for _, rg := range s.e.Regions() {
		name := rg.LocalName
		if english {
			if name = englishNames[rg.RegionID]; name == "" {
				name = rg.RegionID
			}
		}
		// Every region is served here: a client that routes by RegionEndpoint stays on the
		// simulator. The Host header is what the client dialled.
		out.Regions.Region = append(out.Regions.Region, regionJSON{
			RegionID: rg.RegionID, LocalName: name, RegionEndpoint: r.host, Status: "available"})
	}
	return out, nil
}

// ---- pagination ----

// page is where one paginated answer starts and how long it is, in one of the two styles
// ECS offers: PageNumber/PageSize, or NextToken/MaxResults.
type page struct {
	tokens bool
	number int
	size   int
	after  int // token style: answer items whose sequence is above this (-1: from the start)
	kind   byte
}

func intParam(r *request, name string, def, lo, hi int) (int, *apiError) {
	v := r.get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errInvalid(name, fmt.Sprintf("it must be an integer from %d to %d", lo, hi))
	}
	return n, nil
}

// parsePage reads either pagination style. kind tags tokens so one action's token is
// refused by another.
func parsePage(r *request, kind byte, minResults int) (page, *apiError) {
	p := page{kind: kind, after: -1}
	if r.get("NextToken") != "" || r.get("MaxResults") != "" {
		p.tokens = true
		var aerr *apiError
		if minResults == 10 {
			// DescribeInstanceHistoryEvents documents MaxResults as clamped: below 10 is
			// read as 10, above 100 as 100. Only a value that is no integer is refused.
			if p.size, aerr = intParam(r, "MaxResults", 10, -1<<31, 1<<31); aerr != nil {
				return p, aerr
			}
			p.size = min(max(p.size, 10), 100)
		} else if p.size, aerr = intParam(r, "MaxResults", max(10, minResults), minResults, 100); aerr != nil {
			return p, aerr
		}
		if tok := r.get("NextToken"); tok != "" {
			after, ok := parseToken(tok, kind)
			if !ok {
				return p, &apiError{status: 400, code: "InvalidNextToken.Malformed",
					message: "The specified NextToken is not valid; pass the NextToken of the previous page unchanged."}
			}
			p.after = after
		}
		return p, nil
	}
	var aerr *apiError
	p.number, p.size, aerr = pageNumbers(r)
	return p, aerr
}

// pageNumbers reads PageNumber (from 1, default 1) and PageSize (1–100, default 10), the
// paging of the actions that have no NextToken (DescribeTasks,
// DescribeInstanceMaintenanceAttributes).
func pageNumbers(r *request) (number, size int, aerr *apiError) {
	if number, aerr = intParam(r, "PageNumber", 1, 1, 1<<30); aerr != nil {
		return 0, 0, aerr
	}
	if size, aerr = intParam(r, "PageSize", 10, 1, 100); aerr != nil {
		return 0, 0, aerr
	}
	return number, size, nil
}

// pageWindow is where page number of size items starts and ends in total items; past the
// end it is empty.
func pageWindow(total, number, size int) (lo, hi int) {
	lo = min(total, (number-1)*size)
	return lo, min(total, lo+size)
}

// NextToken is a cursor on the fleet's order, not an offset, so a page does not skip or
// repeat items when an earlier one leaves the filter (an event going Scheduled → Avoided).
func makeToken(kind byte, seq int) string {
	return string(kind) + strconv.FormatInt(int64(seq), 36)
}

func parseToken(tok string, kind byte) (int, bool) {
	if len(tok) < 2 || len(tok) > 14 || tok[0] != kind {
		return 0, false
	}
	n, err := strconv.ParseInt(tok[1:], 36, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return 0, false
	}
	return int(n), true
}

// engine is the page as the engine's listings take it.
func (p page) engine() sim.Page {
	if p.tokens {
		return sim.Page{After: p.after, Limit: p.size}
	}
	return sim.Page{After: -1, Skip: (p.number - 1) * p.size, Limit: p.size}
}

// nextToken is the reply's NextToken: set in token style while more items follow.
func (p page) nextToken(more bool, last int) string {
	if !p.tokens || !more {
		return ""
	}
	return makeToken(p.kind, last)
}

// pageNumber is what the reply reports as PageNumber: 0 in token style, as the SDK then
// ignores it.
func (p page) pageNumber() int {
	if p.tokens {
		return 0
	}
	return p.number
}

// ---- filters shared by DescribeInstances and DescribeInstanceHistoryEvents ----

type tagFilter struct{ key, value string }

// tagsParam reads Tag.N.Key / Tag.N.Value (N from 1 to 20), as both actions take them.
func tagsParam(r *request) ([]tagFilter, *apiError) {
	byN := map[int]*tagFilter{}
	for k := range r.params {
		rest, ok := strings.CutPrefix(k, "Tag.")
		if !ok {
			continue
		}
		ns, field, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(ns)
		if err != nil || n < 1 || n > 20 || (field != "Key" && field != "Value") {
			return nil, errInvalid(k, "tags are Tag.N.Key and Tag.N.Value, N from 1 to 20")
		}
		if byN[n] == nil {
			byN[n] = &tagFilter{}
		}
		if field == "Key" {
			byN[n].key = r.get(k)
		} else {
			byN[n].value = r.get(k)
		}
	}
	ns := make([]int, 0, len(byN))
	for n, t := range byN {
		if t.key == "" {
			return nil, errInvalid("Tag."+strconv.Itoa(n)+".Key", "a tag value needs its key")
		}
		ns = append(ns, n)
	}
	sort.Ints(ns)
	out := make([]tagFilter, len(ns))
	for i, n := range ns {
		out[i] = *byN[n]
	}
	return out, nil
}

// hasTags reports whether in carries every tag of tags; a filter without a value matches
// any value of its key.
func hasTags(in *model.Instance, tags []tagFilter) bool {
	for _, t := range tags {
		v, ok := in.Tags[t.key]
		if !ok || (t.value != "" && v != t.value) {
			return false
		}
	}
	return true
}

// timeParam reads an optional UTC time such as NotBefore.Start.
func timeParam(r *request, name string) (time.Time, *apiError) {
	v := r.get(name)
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{secondLayout, minuteLayout, time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errInvalid(name, "it is a UTC time such as 2026-11-30T08:00:00Z")
}

// boolParam reads an optional true/false.
func boolParam(r *request, name string) (set, value bool, aerr *apiError) {
	switch v := r.get(name); strings.ToLower(v) {
	case "":
		return false, false, nil
	case "true":
		return true, true, nil
	case "false":
		return true, false, nil
	default:
		return false, false, errInvalid(name, "it must be true or false, not "+strconv.Quote(v))
	}
}

// matchName matches an instance name against InstanceName, where * stands for any run
// of characters.
func matchName(pattern, name string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return strings.HasSuffix(name, last)
}

// ---- DescribeInstances ----

// lockMessages are the LockMsg texts shown beside each LockReason.
var lockMessages = map[model.LockReason]string{
	model.LockSecurity:               "The instance is locked for security reasons.",
	model.LockFinancial:              "The instance is locked because the account is in arrears.",
	model.LockRecycling:              "The instance is being recycled.",
	model.LockDedicatedHostFinancial: "The dedicated host of the instance is in arrears.",
	model.LockRefunded:               "The instance was refunded.",
}

func (s *Server) describeInstances(r *request) (any, *apiError) {
	if aerr := checkParams(r, "DescribeInstances"); aerr != nil {
		return nil, aerr
	}
	region, aerr := s.requireRegion(r)
	if aerr != nil {
		return nil, aerr
	}
	var ids []string
	if raw := r.get("InstanceIds"); raw != "" {
		var ok bool
		if ids, ok = instanceIDs(raw); !ok || len(ids) > 100 {
			return nil, &apiError{status: 400, code: "InvalidInstanceIds.Malformed",
				message: `The specified parameter InstanceIds is not valid: it is a JSON array of at most 100 instance IDs, e.g. ["i-bp1…","i-bp2…"].`}
		}
	}
	p, aerr := parsePage(r, 'i', 1)
	if aerr != nil {
		return nil, aerr
	}
	match, aerr := instanceMatch(r)
	if aerr != nil {
		return nil, aerr
	}
	_, dry, aerr := boolParam(r, "DryRun")
	if aerr != nil {
		return nil, aerr
	}
	if dry {
		return nil, &apiError{status: 400, code: "DryRunOperation", message: "Request validation has been passed with DryRun flag set."}
	}
	pg := s.e.ListInstancesInto(s.instancePages.get(),
		sim.InstanceFilter{Region: region, IDs: ids, Match: match, WithoutEvents: true, SortedTags: true}, p.engine())
	body := s.appendInstancesReply(s.replyBuf(512+1024*len(pg.Instances)), s.e.NewRequestID(), pg.Total,
		p.pageNumber(), p.size, p.nextToken(pg.More, pg.Last), pg.Instances, pg.Tags)
	s.instancePages.put(pg)
	return body, nil
}

// instanceIDs reads InstanceIds, a JSON array of strings, as encoding/json does. The form
// every client sends (ids of printable ASCII, no escapes) is read by hand, its ids sharing
// raw's memory: decoding 100 ids by reflection, a string each, was a twentieth of a
// listing. Anything else goes to encoding/json.
func instanceIDs(raw string) ([]string, bool) {
	if ids, ok := plainStringArray(raw); ok {
		return ids, true
	}
	var ids []string
	if err := json.Unmarshal([]byte(raw), &ids); err != nil {
		return nil, false
	}
	return ids, true
}

// plainStringArray reads s as a JSON array of strings of printable ASCII without escapes,
// whitespace allowed where JSON allows it. It reports false for anything else, valid JSON
// or not.
func plainStringArray(s string) ([]string, bool) {
	i := skipSpace(s, 0)
	if i == len(s) || s[i] != '[' {
		return nil, false
	}
	// Room for the ids the commas promise, up to the 101 that are already too many: a
	// request of a megabyte of commas reserves no more than that.
	ids := make([]string, 0, min(strings.Count(s, ",")+1, 101))
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == ']' {
		return ids, skipSpace(s, i+1) == len(s)
	}
	for {
		if i == len(s) || s[i] != '"' {
			return nil, false
		}
		j := i + 1
		for j < len(s) && plainByte[s[j]] {
			j++
		}
		if j == len(s) || s[j] != '"' {
			return nil, false
		}
		ids = append(ids, s[i+1:j])
		i = skipSpace(s, j+1)
		if i == len(s) {
			return nil, false
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case ']':
			return ids, skipSpace(s, i+1) == len(s)
		default:
			return nil, false
		}
	}
}

// skipSpace returns the index of the first byte of s from i that is not JSON whitespace.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// instanceMatch builds DescribeInstances' filter from its parameters; nil when none is
// given, so the engine answers the page without scanning the region.
func instanceMatch(r *request) (func(*model.Instance) bool, *apiError) {
	var preds []func(*model.Instance) bool
	eq := func(name string, field func(*model.Instance) string) {
		if v := r.get(name); v != "" {
			preds = append(preds, func(in *model.Instance) bool { return field(in) == v })
		}
	}
	if v := r.get("InstanceName"); v != "" {
		preds = append(preds, func(in *model.Instance) bool { return matchName(v, in.Name) })
	}
	eq("Status", func(in *model.Instance) string { return string(in.Status) })
	eq("ZoneId", func(in *model.Instance) string { return in.ZoneID })
	eq("InstanceType", func(in *model.Instance) string { return in.InstanceType })
	eq("InstanceTypeFamily", func(in *model.Instance) string { return in.Family })
	eq("InstanceChargeType", func(in *model.Instance) string { return in.ChargeType })
	eq("InternetChargeType", func(*model.Instance) string { return internetChargeType })
	eq("InstanceNetworkType", func(*model.Instance) string { return networkType })
	eq("VpcId", vpcID)
	eq("VSwitchId", vSwitchID)
	if v := r.get("LockReason"); v != "" {
		preds = append(preds, func(in *model.Instance) bool { return in.HasLock(model.LockReason(v)) })
	}
	if set, io, aerr := boolParam(r, "IoOptimized"); aerr != nil {
		return nil, aerr
	} else if set {
		preds = append(preds, func(*model.Instance) bool { return io })
	}
	tags, aerr := tagsParam(r)
	if aerr != nil {
		return nil, aerr
	}
	if len(tags) > 0 {
		preds = append(preds, func(in *model.Instance) bool { return hasTags(in, tags) })
	}
	if len(preds) == 0 {
		return nil, nil
	}
	return func(in *model.Instance) bool {
		for _, p := range preds {
			if !p(in) {
				return false
			}
		}
		return true
	}, nil
}

// What every simulated instance is: I/O optimized, in a VPC, paying for traffic.
const (
	internetChargeType = "PayByTraffic"
	networkType        = "vpc"
)

// vpcID is the instance's VPC: one per region and environment tag, named as ECS names
// VPCs (vpc- and the region's id stem). The model has no network, so it is derived.
func vpcID(in *model.Instance) string { return "vpc-" + netID(in, in.RegionID) }

// vSwitchID is the instance's vSwitch: one per zone and environment tag.
func vSwitchID(in *model.Instance) string { return "vsw-" + netID(in, in.ZoneID) }

func netID(in *model.Instance, scope string) string {
	stem := strings.TrimPrefix(in.ID, "i-")
	var buf [3 + 13]byte // 13: the base-36 digits of a uint64
	return string(strconv.AppendUint(append(buf[:0], stem[:min(3, len(stem))]...), netHash(scope, in.Tags["env"]), 36))
}

// netHash is the FNV-1a (64-bit) hash of scope/env, written out: hash/fnv through its
// interface allocated the key and the hasher for every instance of every page.
func netHash(scope, env string) uint64 {
	h := uint64(14695981039346656037)
	for _, s := range [...]string{scope, "/", env} {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
	}
	return h
}

// fnv32a is the 32-bit FNV-1a hash of s, as hash/fnv computes it, without its allocations.
func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// shape estimates vCPUs and memory (MiB) from an instance type such as ecs.g7.2xlarge.
func shape(instanceType string) (cpu, memMiB int) {
	size := instanceType[strings.LastIndex(instanceType, ".")+1:]
	switch size {
	case "large":
		cpu = 2
	case "xlarge":
		cpu = 4
	default:
		if n, err := strconv.Atoi(strings.TrimSuffix(size, "xlarge")); err == nil && n > 0 {
			cpu = 4 * n
		} else {
			cpu = 2
		}
	}
	perCPU := 4
	fam := strings.TrimPrefix(model.FamilyOf(instanceType), "ecs.")
	switch {
	case strings.HasPrefix(fam, "c"):
		perCPU = 2
	case strings.HasPrefix(fam, "r"), strings.HasPrefix(fam, "i"):
		perCPU = 8
	}
	return cpu, cpu * perCPU * 1024
}

// ---- DescribeInstanceHistoryEvents ----

// finalCycleStatuses are what DescribeInstanceHistoryEvents answers when no cycle status
// is asked for: the history, not the pending events.
var finalCycleStatuses = []model.EventCycleStatus{model.CycleAvoided, model.CycleExecuted, model.CycleCanceled, model.CycleFailed}

func (s *Server) describeInstanceHistoryEvents(r *request) (any, *apiError) {
	if aerr := checkParams(r, "DescribeInstanceHistoryEvents"); aerr != nil {
		return nil, aerr
	}
	region, aerr := s.requireRegion(r)
	if aerr != nil {
		return nil, aerr
	}
	f := sim.EventListFilter{EventFilter: sim.EventFilter{Region: region}}
	if f.InstanceIDs, aerr = filterParam[string](r, "ResourceId", "InstanceId"); aerr != nil {
		return nil, aerr
	}
	if f.EventIDs, aerr = r.list("EventId"); aerr != nil {
		return nil, aerr
	}
	if len(f.InstanceIDs) > 100 {
		return nil, errInvalid("ResourceId.N", "at most 100 instances per call")
	}
	if len(f.EventIDs) > 100 {
		return nil, errInvalid("EventId.N", "at most 100 events per call")
	}
	if f.CycleStatuses, aerr = filterParam[model.EventCycleStatus](r, "InstanceEventCycleStatus", "EventCycleStatus"); aerr != nil {
		return nil, aerr
	}
	if len(f.CycleStatuses) == 0 {
		f.CycleStatuses = finalCycleStatuses
	}
	if f.Types, aerr = filterParam[model.EventType](r, "InstanceEventType", "EventType"); aerr != nil {
		return nil, aerr
	}
	for name, t := range map[string]*time.Time{"NotBefore.Start": &f.NotBeforeStart, "NotBefore.End": &f.NotBeforeEnd,
		"EventPublishTime.Start": &f.PublishedStart, "EventPublishTime.End": &f.PublishedEnd} {
		if *t, aerr = timeParam(r, name); aerr != nil {
			return nil, aerr
		}
	}
	f.ImpactLevel = r.get("ImpactLevel")
	tags, aerr := tagsParam(r)
	if aerr != nil {
		return nil, aerr
	}
	if len(tags) > 0 {
		f.Instance = func(in *model.Instance) bool { return hasTags(in, tags) }
	}
	// Every simulated event is about an instance: dedicated hosts (ddh) and managed hosts
	// have none, so asking for them answers nothing rather than the instances' events.
	hostEvents := false
	switch r.get("ResourceType") {
	case "", "instance":
	case "ddh", "managehost":
		hostEvents = true
	default:
		return nil, errInvalid("ResourceType", "it is instance, ddh or managehost")
	}
	p, aerr := parsePage(r, 'e', 10)
	if aerr != nil {
		return nil, aerr
	}
	pg := sim.EventPage{Last: -1}
	if !hostEvents {
		pg = s.e.ListEventsInto(s.eventPages.get(), f, p.engine())
	}
	body := appendEventsReply(s.replyBuf(512+400*len(pg.Events)), s.e.NewRequestID(), pg.Total,
		p.pageNumber(), p.size, p.nextToken(pg.More, pg.Last), pg.Events)
	if pg.Events != nil {
		s.eventPages.put(pg.Events)
	}
	return body, nil
}

// filterParam reads a filter sent as repeated parameters (repeated.1 … repeated.N) plus
// the single-valued parameter the API also accepts for it; nil when neither is given.
func filterParam[T ~string](r *request, repeated, single string) ([]T, *apiError) {
	vs, aerr := r.list(repeated)
	if aerr != nil {
		return nil, aerr
	}
	if v := r.get(single); v != "" {
		vs = append(vs, v)
	}
	var out []T
	for _, v := range vs {
		out = append(out, T(v))
	}
	return out, nil
}

// ---- RedeployInstance ----

type redeployReply struct {
	RequestID string `json:"RequestId"`
	TaskID    string `json:"TaskId"`
}

func (s *Server) redeployInstance(r *request) (any, *apiError) {
	if aerr := checkParams(r, "RedeployInstance"); aerr != nil {
		return nil, aerr
	}
	region, aerr := s.requireRegion(r)
	if aerr != nil {
		return nil, aerr
	}
	id := r.get("InstanceId")
	if id == "" {
		return nil, errMissing("InstanceId")
	}
	force := false
	switch v := r.get("ForceStop"); strings.ToLower(v) {
	case "", "false":
	case "true":
		force = true
	default:
		return nil, errInvalid("ForceStop", "it must be true or false, not "+strconv.Quote(v))
	}
	t, err := s.e.Redeploy(region, id, force)
	if err != nil {
		return nil, fromBackend(err)
	}
	return redeployReply{RequestID: s.e.NewRequestID(), TaskID: t.ID}, nil
}

// ---- DescribeTasks ----

type taskJSON struct {
	TaskID        string `json:"TaskId"`
	TaskAction    string `json:"TaskAction"`
	TaskStatus    string `json:"TaskStatus"`
	ResourceID    string `json:"ResourceId"`
	CreationTime  string `json:"CreationTime"`
	FinishedTime  string `json:"FinishedTime,omitempty"`
	SupportCancel string `json:"SupportCancel"`
	FailedReason  string `json:"FailedReason,omitempty"`
}

type describeTasksReply struct {
	RequestID  string `json:"RequestId"`
	RegionID   string `json:"RegionId"`
	TotalCount int    `json:"TotalCount"`
	PageNumber int    `json:"PageNumber"`
	PageSize   int    `json:"PageSize"`
	TaskSet    struct {
		Task []taskJSON `json:"Task"`
	} `json:"TaskSet"`
}

// taskIDs reads TaskIds: a comma-separated list as the API documents it; a JSON array is
// accepted too, as the RedeployInstance page's example writes one.
func taskIDs(raw string) ([]string, *apiError) {
	if raw == "" {
		return nil, nil
	}
	var ids []string
	if strings.HasPrefix(strings.TrimSpace(raw), "[") {
		if err := json.Unmarshal([]byte(raw), &ids); err != nil {
			return nil, errInvalid("TaskIds", "it is a comma-separated list of task IDs")
		}
	} else {
		for _, id := range strings.Split(raw, ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) > 100 {
		return nil, errInvalid("TaskIds", "at most 100 task IDs per call")
	}
	return ids, nil
}

// resourceIDs reads DescribeTasks' ResourceIds: a JSON list as the API documents it
// (ResourceIds=["i-…"]), or repeated ResourceIds.N as the Go SDK sends it. An empty list
// or an empty id is refused: read as no filter, it would answer about every instance.
func resourceIDs(r *request) ([]string, *apiError) {
	ids, aerr := r.list("ResourceIds")
	if aerr != nil {
		return nil, aerr
	}
	if raw, ok := r.params["ResourceIds"]; ok {
		var list []string
		if err := json.Unmarshal([]byte(raw[0]), &list); err != nil || len(list) == 0 {
			return nil, errInvalid("ResourceIds", `it is a JSON list of resource IDs, e.g. ["i-bp1…"]`)
		}
		ids = append(ids, list...)
	}
	if len(ids) > 100 {
		return nil, errInvalid("ResourceIds", "at most 100 resource IDs per call")
	}
	for _, id := range ids {
		if strings.TrimSpace(id) == "" {
			return nil, errInvalid("ResourceIds", "a resource ID is empty")
		}
	}
	return ids, nil
}

func (s *Server) describeTasks(r *request) (any, *apiError) {
	if aerr := checkParams(r, "DescribeTasks"); aerr != nil {
		return nil, aerr
	}
	region, aerr := s.requireRegion(r)
	if aerr != nil {
		return nil, aerr
	}
	f := sim.TaskFilter{Action: r.get("TaskAction"), Status: model.TaskStatus(r.get("TaskStatus")), GroupID: r.get("TaskGroupId")}
	for name, t := range map[string]*time.Time{"StartTime": &f.CreatedStart, "EndTime": &f.CreatedEnd} {
		if v := r.get(name); v != "" {
			at, err := parseMinuteOrSecond(v)
			if err != nil {
				return nil, errInvalid(name, "it is UTC yyyy-MM-ddTHH:mmZ")
			}
			*t = at
		}
	}
	if f.TaskIDs, aerr = taskIDs(r.get("TaskIds")); aerr != nil {
		return nil, aerr
	}
	if f.ResourceIDs, aerr = resourceIDs(r); aerr != nil {
		return nil, aerr
	}
	number, size, aerr := pageNumbers(r)
	if aerr != nil {
		return nil, aerr
	}
	tasks := s.e.Tasks(region, f)
	lo, hi := pageWindow(len(tasks), number, size)
	out := describeTasksReply{RequestID: s.e.NewRequestID(), RegionID: region, TotalCount: len(tasks), PageNumber: number, PageSize: size}
	out.TaskSet.Task = make([]taskJSON, 0, hi-lo)
	for _, t := range tasks[lo:hi] {
		out.TaskSet.Task = append(out.TaskSet.Task, taskJSON{
			TaskID:        t.ID,
			TaskAction:    t.Action,
			TaskStatus:    string(t.Status),
			ResourceID:    t.ResourceID,
			CreationTime:  fmtMinute(t.CreationTime),
			FinishedTime:  fmtMinute(t.FinishedTime),
			SupportCancel: "false",
			FailedReason:  t.FailedReason,
		})
	}
	return out, nil
}

// parseMinuteOrSecond reads a DescribeTasks time: yyyy-MM-ddTHH:mmZ as documented, or with
// seconds.
func parseMinuteOrSecond(v string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02T15:04Z", v); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04:05Z", v)
}

// ---- AcceptInquiredSystemEvent, CreateSimulatedSystemEvents, CancelSimulatedSystemEvents ----

type requestOnlyReply struct {
	RequestID string `json:"RequestId"`
}

func (s *Server) acceptInquiredSystemEvent(r *request) (any, *apiError) {
	if aerr := checkParams(r, "AcceptInquiredSystemEvent"); aerr != nil {
		return nil, aerr
	}
	region, aerr := s.requireRegion(r)
	if aerr != nil {
		return nil, aerr
	}
	id := r.get("EventId")
	if id == "" {
		return nil, errMissing("EventId")
	}
	if err := s.e.Accept(region, id); err != nil {
		return nil, fromBackend(err)
	}
	return requestOnlyReply{RequestID: s.e.NewRequestID()}, nil
}

type createDrillsReply struct {
	RequestID  string `json:"RequestId"`
	EventIDSet struct {
		EventID []string `json:"EventId"`
	} `json:"EventIdSet"`
}

func (s *Server) createSimulatedSystemEvents(r *request) (any, *apiError) {
	if aerr := checkParams(r, "CreateSimulatedSystemEvents"); aerr != nil {
		return nil, aerr
	}
	region, aerr := s.requireRegion(r)
	if aerr != nil {
		return nil, aerr
	}
	t := model.EventType(r.get("EventType"))
	switch {
	case t == "":
		return nil, errMissing("EventType")
	case !slices.Contains(sim.DrillTypes, t):
		return nil, errInvalid("EventType", "it is one of the drill types of CreateSimulatedSystemEvents, e.g. SystemMaintenance.Reboot")
	}
	nb := r.get("NotBefore")
	if nb == "" {
		return nil, errMissing("NotBefore")
	}
	notBefore, err := time.Parse("2006-01-02T15:04:05Z", nb)
	if err != nil {
		return nil, errInvalid("NotBefore", "it is UTC yyyy-MM-ddTHH:mm:ssZ")
	}
	ids, aerr := r.list("InstanceId")
	if aerr != nil {
		return nil, aerr
	}
	switch {
	case len(ids) == 0:
		return nil, errMissing("InstanceId.1")
	case len(ids) > 100:
		return nil, errInvalid("InstanceId.N", "at most 100 instances per call")
	}
	made, err := s.e.CreateDrills(region, t, notBefore, ids)
	if err != nil {
		return nil, fromBackend(err)
	}
	out := createDrillsReply{RequestID: s.e.NewRequestID()}
	out.EventIDSet.EventID = made
	return out, nil
}

func (s *Server) cancelSimulatedSystemEvents(r *request) (any, *apiError) {
	if aerr := checkParams(r, "CancelSimulatedSystemEvents"); aerr != nil {
		return nil, aerr
	}
	region, aerr := s.requireRegion(r)
	if aerr != nil {
		return nil, aerr
	}
	ids, aerr := r.list("EventId")
	if aerr != nil {
		return nil, aerr
	}
	switch {
	case len(ids) == 0:
		return nil, &apiError{status: 404, code: "MissingParameter",
			message: "The input parameter \"EventId.1\" that is mandatory for processing this request is not supplied."}
	case len(ids) > 100:
		return nil, &apiError{status: 400, code: sim.CodeEventIDLimitExceeded, message: "At most 100 simulated event IDs can be specified."}
	}
	if err := s.e.CancelDrills(region, ids); err != nil {
		return nil, fromBackend(err)
	}
	return requestOnlyReply{RequestID: s.e.NewRequestID()}, nil
}
