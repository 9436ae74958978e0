package sim

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"ecs-redeploy/model"
)

// Fleet is the simulator's starting state: regions and instances with all their events,
// pending and final.
type Fleet struct {
	Regions   []model.Region
	Instances []model.Instance
}

type regionSpec struct {
	id, name, prefix string
	zones            []string
}

// The regions a generated fleet spreads over, with the instance-id prefixes ECS uses there.
var genRegions = []regionSpec{
	{"cn-hangzhou", "华东1（杭州）", "bp1", []string{"h", "i", "j", "k"}},
	{"cn-shanghai", "华东2（上海）", "uf6", []string{"e", "f", "g", "l"}},
	{"cn-beijing", "华北2（北京）", "2ze", []string{"g", "h", "i", "k"}},
	{"cn-shenzhen", "华南1（深圳）", "wz9", []string{"d", "e", "f"}},
	{"cn-zhangjiakou", "华北3（张家口）", "8vb", []string{"a", "b", "c"}},
	{"cn-hongkong", "中国香港", "j6c", []string{"b", "c", "d"}},
	{"ap-southeast-1", "新加坡", "t4n", []string{"a", "b", "c"}},
	{"ap-northeast-1", "日本（东京）", "6we", []string{"a", "b"}},
	{"eu-central-1", "德国（法兰克福）", "gw8", []string{"a", "b"}},
	{"us-west-1", "美国（硅谷）", "rj9", []string{"a", "b"}},
}

type familySpec struct {
	family string
	// disks and diskGiB per size step (large, xlarge, 2xlarge, 4xlarge, 8xlarge); zero for
	// cloud-disk-only families.
	disks   [5]int
	diskGiB [5]int64
	weight  int
}

var sizes = []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge"}

var genFamilies = []familySpec{
	{family: "ecs.g7", weight: 22},
	{family: "ecs.c7", weight: 16},
	{family: "ecs.r7", weight: 10},
	{family: "ecs.g6", weight: 8},
	{family: "ecs.hfg7", weight: 4},
	{family: "ecs.i2", disks: [5]int{1, 1, 1, 2, 4}, diskGiB: [5]int64{447, 894, 1788, 3576, 7152}, weight: 9},
	{family: "ecs.i3", disks: [5]int{1, 1, 1, 2, 4}, diskGiB: [5]int64{480, 960, 1920, 3840, 7680}, weight: 7},
	{family: "ecs.i2g", disks: [5]int{1, 1, 1, 2, 2}, diskGiB: [5]int64{447, 894, 1788, 3576, 3576}, weight: 3},
	{family: "ecs.d1", disks: [5]int{2, 4, 4, 8, 12}, diskGiB: [5]int64{11000, 22000, 22000, 44000, 66000}, weight: 3},
	{family: "ecs.d2s", disks: [5]int{2, 4, 8, 16, 16}, diskGiB: [5]int64{14880, 29760, 59520, 119040, 119040}, weight: 3},
}

var roles = []string{"web", "api", "worker", "kafka", "redis", "pg-replica", "es-data", "hdfs-dn", "ingest", "batch", "gateway", "clickhouse"}
var envs = []string{"prod", "prod", "prod", "staging", "dev"}

var maintenanceReasons = []string{
	"Host hardware maintenance: memory ECC errors predicted on the physical server",
	"Planned host firmware upgrade",
	"Host network card degradation detected",
	"Physical server power supply replacement",
	"Planned host kernel hot-upgrade could not be applied live",
}

var failureReasons = []string{
	"Physical server crashed; the instance is being restarted",
	"Local disk I/O errors detected on the host",
}

const idAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

func randID(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[r.IntN(len(idAlphabet))]
	}
	return string(b)
}

// AllRegions lists every region a generated fleet may use.
func AllRegions() []model.Region {
	out := make([]model.Region, len(genRegions))
	for i, r := range genRegions {
		out[i] = model.Region{RegionID: r.id, LocalName: r.name}
	}
	return out
}

func pickFamily(r *rand.Rand) familySpec {
	total := 0
	for _, f := range genFamilies {
		total += f.weight
	}
	n := r.IntN(total)
	for _, f := range genFamilies {
		if n < f.weight {
			return f
		}
		n -= f.weight
	}
	return genFamilies[0]
}

// Generate builds a fleet of n instances that looks like a real account with pending
// events, deterministic in seed and now: the same arguments give the same fleet.
func Generate(seed int64, n int, now time.Time) *Fleet {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
	now = now.UTC().Truncate(time.Second)
	f := &Fleet{Regions: AllRegions()}
	f.Instances = make([]model.Instance, 0, n)
	seen := make(map[string]bool, n)
	for i := 0; i < n; i++ {
		// Regions are skewed like a real account: most instances in the first few.
		reg := genRegions[min(r.IntN(len(genRegions)), r.IntN(len(genRegions)))]
		fam := pickFamily(r)
		si := r.IntN(len(sizes))
		id := "i-" + reg.prefix + randID(r, 17)
		for seen[id] {
			id = "i-" + reg.prefix + randID(r, 17)
		}
		seen[id] = true
		role := roles[r.IntN(len(roles))]
		env := envs[r.IntN(len(envs))]
		in := model.Instance{
			ID:                   id,
			Name:                 fmt.Sprintf("%s-%s-%03d", role, env, r.IntN(1000)),
			RegionID:             reg.id,
			ZoneID:               reg.id + "-" + reg.zones[r.IntN(len(reg.zones))],
			InstanceType:         fam.family + "." + sizes[si],
			Family:               fam.family,
			Status:               model.StatusRunning,
			ChargeType:           model.PostPaid,
			LocalStorageAmount:   fam.disks[si],
			LocalStorageCapacity: fam.diskGiB[si],
			Tags:                 map[string]string{"team": role, "env": env},
		}
		if r.IntN(100) < 35 {
			in.ChargeType = model.PrePaid
			in.ExpiredTime = now.Add(time.Duration(30+r.IntN(300)) * 24 * time.Hour).Truncate(time.Hour)
		}
		switch p := r.IntN(100); {
		case p < 12:
			in.Status = model.StatusStopped
		case p < 14:
			in.Status = model.StatusStarting
		case p < 15:
			in.Status = model.StatusStopping
		case p < 16:
			in.Status = model.StatusPending
		}
		switch p := r.IntN(100); {
		case p < 3:
			in.OperationLocks = []model.LockReason{model.LockSecurity}
		case p < 5:
			in.OperationLocks = []model.LockReason{model.LockFinancial}
		case p < 8:
			in.ChargeType = model.PrePaid
			in.ExpiredTime = now.Add(-time.Duration(1+r.IntN(72)) * time.Hour).Truncate(time.Hour)
		}
		if r.IntN(100) < 3 {
			in.DedicatedHostID = "dh-" + reg.prefix + randID(r, 17)
		}
		if r.IntN(100) < 20 {
			in.DeploymentSetID = "ds-" + reg.prefix + randID(r, 17)
		}
		in.Events = genEvents(r, &in, now)
		sort.Slice(in.Events, func(a, b int) bool { return in.Events[a].NotBefore.Before(in.Events[b].NotBefore) })
		f.Instances = append(f.Instances, in)
	}
	return f
}

func genEvents(r *rand.Rand, in *model.Instance, now time.Time) []model.Event {
	newEvent := func(t model.EventType, s model.EventCycleStatus, notBefore time.Time, reason string) model.Event {
		return model.Event{
			ID:          "e-" + idStem(in.ID) + randID(r, 17),
			InstanceID:  in.ID,
			Type:        t,
			CycleStatus: s,
			PublishTime: notBefore.Add(-time.Duration(24+r.IntN(72)) * time.Hour).Truncate(time.Minute),
			NotBefore:   notBefore,
			Reason:      reason,
			ImpactLevel: fmt.Sprint(1 + r.IntN(3)),
		}
	}
	// Deadlines run from under an hour to two days out, a few already overdue.
	deadline := func() time.Time {
		switch p := r.IntN(100); {
		case p < 4:
			return now.Add(-time.Duration(1+r.IntN(40)) * time.Minute)
		case p < 20:
			return now.Add(time.Duration(10+r.IntN(50)) * time.Minute)
		default:
			return now.Add(time.Duration(60+r.IntN(47*60)) * time.Minute)
		}
	}
	maint := maintenanceReasons[r.IntN(len(maintenanceReasons))]
	var evs []model.Event
	switch p := r.IntN(100); {
	case p < 34:
		st := model.CycleScheduled
		if r.IntN(100) < 15 {
			st = model.CycleInquiring
		}
		evs = append(evs, newEvent(model.EventMaintenanceReboot, st, deadline(), maint))
	case p < 62:
		st := model.CycleScheduled
		if r.IntN(100) < 20 {
			st = model.CycleInquiring
		}
		evs = append(evs, newEvent(model.EventMaintenanceRedeploy, st, deadline(), maint))
	case p < 72:
		// A host failure in progress: Executing, deadline already reached.
		evs = append(evs, newEvent(model.EventFailureReboot, model.CycleExecuting,
			now.Add(-time.Duration(1+r.IntN(20))*time.Minute), failureReasons[r.IntN(len(failureReasons))]))
	case p < 78:
		evs = append(evs, newEvent(model.EventMaintenanceRebootReinit, model.CycleScheduled, deadline(), "Local disk errors: the damaged disk is re-initialized on reboot"))
	case p < 81:
		evs = append(evs, newEvent(model.EventMaintenanceIsolateDisk, model.CycleScheduled, deadline(), "Local disk errors: the damaged disk is isolated on reboot"))
	case p < 84:
		evs = append(evs, newEvent(model.EventFailureRedeploy, model.CycleExecuting, now.Add(-time.Duration(1+r.IntN(20))*time.Minute), failureReasons[0]))
	case p < 92:
		evs = append(evs, newEvent(model.EventExpirationStop, model.CycleScheduled, deadline(), "Subscription expires; the instance will be stopped"))
	case p < 95:
		evs = append(evs, newEvent(model.EventUnbalancedStop, model.CycleScheduled, deadline(), "Account balance overdue; the instance will be stopped"))
	case p < 97:
		evs = append(evs, newEvent(model.EventExpirationDelete, model.CycleScheduled, deadline(), "Subscription expired; the instance will be released"))
	default:
		evs = append(evs, newEvent(model.EventInstanceFailureReboot, model.CycleExecuting, now.Add(-time.Duration(1+r.IntN(10))*time.Minute), "Guest OS kernel panic detected"))
	}
	// Some instances carry a second pending event, and some a history of final ones.
	if r.IntN(100) < 8 {
		evs = append(evs, newEvent(model.EventMaintenanceReboot, model.CycleScheduled, deadline(), maint))
	}
	if r.IntN(100) < 25 {
		past := now.Add(-time.Duration(2+r.IntN(60)) * 24 * time.Hour)
		final := []model.EventCycleStatus{model.CycleExecuted, model.CycleAvoided, model.CycleCanceled}[r.IntN(3)]
		ev := newEvent(model.EventMaintenanceReboot, final, past, maint)
		ev.FinishTime = past.Add(time.Duration(5+r.IntN(30)) * time.Minute)
		evs = append(evs, ev)
	}
	return evs
}
