package sim

import (
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"time"

	"ecs-redeploy/model"
)

// Fleet is the simulator's starting state: regions and instances with all their events,
// pending and final.
type Fleet struct {
	Regions   []model.Region
	Instances []model.Instance
	// Maintenance holds the maintenance attributes a scenario sets, by instance id; an
	// instance missing here has ones drawn from its id (sim/maintenance.go).
	Maintenance map[string]model.MaintenanceAttribute
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
//
// The fleet is its regions one after another, in AllRegions' order, each region drawn from
// its own generator (seeded from seed and the region) with its instance count fixed from
// seed and n up front (regionCounts): a region can be drawn, learned by an engine and
// listed while the next ones are still to come (NewGenerated; issue 20), and the fleet is
// the same whatever order or goroutine draws its regions.
//
// The rules it keeps, each pinned by a test:
//   - regions are skewed like a real account: most instances in the first few;
//   - deployment sets group clusters of 3–7 instances of one region, role, environment and
//     instance type, named alike (kafka-prod-040, kafka-prod-041, …) and spread over zones;
//   - an InstanceExpiration event only on a PrePaid instance, at its ExpiredTime: .Stop for
//     one that expires within days, .Delete ("expired, will be released") for one already
//     expired; an AccountUnbalanced event only on a PostPaid instance in arrears (financial
//     lock); a PostPaid instance has no ExpiredTime;
//   - local-disk events (SystemMaintenance.RebootAndReInitErrorDisk/IsolateErrorDisk) only
//     on instances with local disks;
//   - every publish time is before its deadline (NotBefore) and before now;
//   - no pending event's deadline is more than MaxOverdue before now;
//   - every instance has a pending event, and several have two.
func Generate(seed int64, n int, now time.Time) *Fleet {
	f := &Fleet{Regions: AllRegions(), Instances: make([]model.Instance, n)}
	g := newGenerator(seed, n, now)
	off := 0
	for k, c := range g.counts {
		part := f.Instances[off : off+c]
		g.region(k, func(i int) *model.Instance { return &part[i] })
		off += c
	}
	return f
}

// generator draws a fleet's regions, one after another: what many instances say alike is
// made once for all of them (sharedFields), and their events are packed in arrays made for
// many (eventArena), so it is not for two goroutines at once.
type generator struct {
	seed   int64
	now    time.Time
	counts []int // instances per region, in genRegions' order
	// What many instances say alike is made once and shared: tag sets, zone and type
	// names. The engine never changes an instance's tags (listings hand them out shared
	// already), and at 100,000 instances a map and two strings each were a fifth of the
	// demo's memory.
	share  *sharedFields
	events eventArena
	attrs  []model.ExtendedAttribute // room for today's platform's attributes (platform.attrs)
}

func newGenerator(seed int64, n int, now time.Time) *generator {
	return &generator{seed: seed, now: now.UTC().Truncate(time.Second), counts: regionCounts(seed, n), share: newSharedFields()}
}

// regionCounts is how many of n instances each region of genRegions holds: region k with
// chance (2(R-k)-1)/R², as min(IntN(R), IntN(R)) picks it (19 % in the first of 10
// regions, 1 % in the last), drawn from a generator of its own so that every region's count
// is known before any region is drawn.
func regionCounts(seed int64, n int) []int {
	r := rand.New(rand.NewPCG(uint64(seed), 0xc0a7e5))
	counts := make([]int, len(genRegions))
	for range n {
		counts[min(r.IntN(len(genRegions)), r.IntN(len(genRegions)))]++
	}
	return counts
}

// regionStream is the generator region k's instances are drawn from, and plat the one
// today's platform draws from there (platform.go): each region's own, from seed and the
// region's id.
func regionStream(seed int64, k int) (draw, plat *rand.Rand) {
	h := fnv.New64a()
	_, _ = h.Write([]byte(genRegions[k].id)) // a hash never fails to write
	s := h.Sum64()
	return rand.New(rand.NewPCG(uint64(seed), s^0x9e3779b97f4a7c15)), rand.New(rand.NewPCG(uint64(seed), s^0x70da7))
}

// region draws region k's g.counts[k] instances, instance i at at(i): in its place in the
// fleet, or in the engine's state (NewGenerated), never copied there.
func (g *generator) region(k int, at func(i int) *model.Instance) {
	n, now, reg := g.counts[k], g.now, genRegions[k]
	r, pr := regionStream(g.seed, k)
	made := 0
	seen := make(map[string]bool, n)
	newID := func() string {
		id := "i-" + reg.prefix + randID(r, 17)
		for seen[id] {
			id = "i-" + reg.prefix + randID(r, 17)
		}
		seen[id] = true
		return id
	}
	share := g.share
	// Today's platform (platform.apply) draws from its own generator, instance after
	// instance in the region's order, and reads nothing this loop draws later: it plays
	// each instance as soon as it is drawn, while its events are still open in the arena,
	// so what it adds is packed with the rest. (On a goroutine of its own it had to grow
	// an array for each instance it added an event to: 12 MB the demo kept at 100,000.)
	plat := newPlatform(pr, now, n, &g.attrs)
	for made < n {
		fam := pickFamily(r)
		si := r.IntN(len(sizes))
		role := roles[r.IntN(len(roles))]
		env := envs[r.IntN(len(envs))]
		first := r.IntN(1000)
		// About a fifth of the instances are in a deployment set: a cluster spread over
		// hosts, whose members are named alike and share type, role and billing.
		size, set := 1, ""
		if r.IntN(100) < 5 && n-made >= 3 {
			size = min(3+r.IntN(5), n-made)
			set = "ds-" + reg.prefix + randID(r, 17)
			first = r.IntN(1000 - size)
		}
		prepaid := r.IntN(100) < 35
		for k := 0; k < size; k++ {
			// Made in its place, not copied there (issue 20).
			in := at(made)
			*in = model.Instance{
				ID:                   newID(),
				Name:                 instanceName(role, env, first+k),
				RegionID:             reg.id,
				ZoneID:               share.str(reg.id, "-", reg.zones[r.IntN(len(reg.zones))]),
				InstanceType:         share.str(fam.family, ".", sizes[si]),
				Family:               fam.family,
				Status:               model.StatusRunning,
				ChargeType:           model.PostPaid,
				LocalStorageAmount:   fam.disks[si],
				LocalStorageCapacity: fam.diskGiB[si],
				DeploymentSetID:      set,
				Tags:                 share.tags(role, env, set != ""),
				Events:               g.events.open(),
			}
			if set != "" {
				in.ZoneID = share.str(reg.id, "-", reg.zones[k%len(reg.zones)])
			}
			if prepaid {
				in.ChargeType = model.PrePaid
				in.ExpiredTime = now.Add(time.Duration(30+r.IntN(300)) * 24 * time.Hour).Truncate(time.Hour)
			}
			genInstance(r, in, now)
			plat.apply(in)
			in.Events = g.events.close(in.Events)
			made++
		}
	}
}

// instanceName is role-env-NNN (at least three digits), as fmt's "%s-%s-%03d" writes it.
func instanceName(role, env string, n int) string {
	b := make([]byte, 0, len(role)+len(env)+6)
	b = append(append(append(append(b, role...), '-'), env...), '-')
	for d := 100; d > 1 && n < d; d /= 10 {
		b = append(b, '0')
	}
	return string(strconv.AppendInt(b, int64(n), 10))
}

// sharedFields makes each distinct tag set and name once for a generated fleet.
type sharedFields struct {
	strs    map[[3]string]string
	tagSets map[[3]string]map[string]string
}

func newSharedFields() *sharedFields {
	return &sharedFields{strs: map[[3]string]string{}, tagSets: map[[3]string]map[string]string{}}
}

// str is a+b+c, made once.
func (s *sharedFields) str(a, b, c string) string {
	k := [3]string{a, b, c}
	v, ok := s.strs[k]
	if !ok {
		v = a + b + c
		s.strs[k] = v
	}
	return v
}

// tags is the tag set of a role and environment (and its cluster, for an instance in a
// deployment set), made once: read only.
func (s *sharedFields) tags(role, env string, cluster bool) map[string]string {
	k := [3]string{role, env, ""}
	if cluster {
		k[2] = "cluster"
	}
	m, ok := s.tagSets[k]
	if !ok {
		m = map[string]string{"team": role, "env": env}
		if cluster {
			m["cluster"] = role + "-" + env
		}
		s.tagSets[k] = m
	}
	return m
}

// impactLevels are the event impact levels a generated event draws from, as the API
// writes them.
var impactLevels = [...]string{"1", "2", "3"}

// genInstance draws an instance's state, billing and events, keeping them in agreement.
func genInstance(r *rand.Rand, in *model.Instance, now time.Time) {
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
	if r.IntN(100) < 3 {
		in.OperationLocks = []model.LockReason{model.LockSecurity}
	}
	if r.IntN(100) < 3 {
		in.DedicatedHostID = "dh-" + idStem(in.ID) + randID(r, 17)
	}
	g := eventGen{r: r, in: in, now: now}
	maint := maintenanceReasons[r.IntN(len(maintenanceReasons))]
	// Billing first: an instance about to expire, expired or in arrears carries the event
	// that says so, and only such an instance does.
	billing := false
	switch p := r.IntN(100); {
	case p < 4 && in.ChargeType == model.PrePaid:
		// Expires within days: stopped at expiry unless renewed.
		in.ExpiredTime = g.deadline().Truncate(time.Hour)
		if !in.ExpiredTime.After(now) {
			in.ExpiredTime = now.Add(time.Hour).Truncate(time.Hour)
		}
		g.add(model.EventExpirationStop, model.CycleScheduled, in.ExpiredTime, "Subscription expires; the instance will be stopped")
		billing = true
	case p < 8 && in.ChargeType == model.PrePaid:
		// Expired hours ago and stopped; released fifteen days after expiry unless renewed.
		in.ExpiredTime = now.Add(-time.Duration(1+r.IntN(72)) * time.Hour).Truncate(time.Hour)
		in.Status = model.StatusStopped
		g.add(model.EventExpirationDelete, model.CycleScheduled, in.ExpiredTime.Add(15*24*time.Hour), "Subscription expired; the instance will be released")
		billing = true
	case p < 5 && in.ChargeType == model.PostPaid:
		in.OperationLocks = append(in.OperationLocks, model.LockFinancial)
		g.add(model.EventUnbalancedStop, model.CycleScheduled, g.deadline(), "Account balance overdue; the instance will be stopped")
		billing = true
	}
	// Host events: most instances have one; an instance with a billing event has one
	// only sometimes, which makes it an instance with two pending events.
	if !billing || r.IntN(100) < 30 {
		g.hostEvent(maint)
	}
	// Some instances carry a second maintenance event, and some a history of final ones.
	if r.IntN(100) < 8 {
		g.add(model.EventMaintenanceReboot, model.CycleScheduled, g.deadline(), maint)
	}
	if r.IntN(100) < 25 {
		past := now.Add(-time.Duration(2+r.IntN(60)) * 24 * time.Hour)
		final := []model.EventCycleStatus{model.CycleExecuted, model.CycleAvoided, model.CycleCanceled}[r.IntN(3)]
		ev := g.add(model.EventMaintenanceReboot, final, past, maint)
		ev.FinishTime = past.Add(time.Duration(5+r.IntN(30)) * time.Minute)
	}
	// Deadline order, stable: sortEvents, an insertion sort of the few events an instance
	// has (sort.SliceStable made a swapper for each of 100,000 instances).
	sortEvents(in)
}

// eventArena hands out room for the instances' events from arrays made for many of them,
// packed: an instance drawn has the rest of the array (open), and once drawn exactly its
// events (close), so the next instance's start right after. At 100,000 instances, growing
// each instance's events one by one was a sixth of the generator's time, and room for three
// each (most have one or two) was 30 MB the demo kept or copied (issue 20). A closed
// instance's events are capped: an append grows its own array, never into the next
// instance's.
type eventArena struct{ buf []model.Event }

// drawnEvents is the most events one instance is drawn with: a billing event, a host
// event, a second maintenance event and a final one (genInstance), and two more from
// today's platform (platform.apply).
const drawnEvents = 6

// open is room for one instance's events: empty, with at least drawnEvents of capacity.
func (a *eventArena) open() []model.Event {
	if cap(a.buf)-len(a.buf) < drawnEvents {
		a.buf = make([]model.Event, 0, 2048)
	}
	return a.buf[len(a.buf):len(a.buf)]
}

// close is evs, the instance's events appended to what open gave, capped; the arena moves
// past them.
func (a *eventArena) close(evs []model.Event) []model.Event {
	if n := len(evs); n > 0 && len(a.buf)+n <= cap(a.buf) && &a.buf[:len(a.buf)+n][len(a.buf)] == &evs[0] {
		a.buf = a.buf[:len(a.buf)+n]
	}
	return evs[:len(evs):len(evs)]
}

// eventGen draws the events of one instance.
type eventGen struct {
	r   *rand.Rand
	in  *model.Instance
	now time.Time
}

// add appends an event; ECS publishes an event hours to days before its deadline, and
// never in the future.
func (g eventGen) add(t model.EventType, s model.EventCycleStatus, notBefore time.Time, reason string) *model.Event {
	published := notBefore
	if g.now.Before(published) {
		published = g.now
	}
	g.in.Events = append(g.in.Events, model.Event{
		ID:          "e-" + idStem(g.in.ID) + randID(g.r, 17),
		InstanceID:  g.in.ID,
		Type:        t,
		CycleStatus: s,
		PublishTime: published.Add(-time.Duration(60+g.r.IntN(72*60)) * time.Minute).Truncate(time.Minute),
		NotBefore:   notBefore,
		Reason:      reason,
		ImpactLevel: impactLevels[g.r.IntN(3)],
	})
	return &g.in.Events[len(g.in.Events)-1]
}

// MaxOverdue is the most a generated pending event's deadline (NotBefore) is before now:
// deadline draws up to 40 minutes overdue, a failure in progress (hostEvent's failing) up
// to 20, a billing event is due hours to days out. Showcase puts its rows just before it
// without reading the fleet (issue 20); TestGeneratedDeadlinesKeepMaxOverdue pins it.
const MaxOverdue = 40 * time.Minute

// deadline draws a NotBefore from under an hour to two days out, a few already overdue,
// by at most MaxOverdue.
func (g eventGen) deadline() time.Time {
	switch p := g.r.IntN(100); {
	case p < 4:
		return g.now.Add(-time.Duration(1+g.r.IntN(int(MaxOverdue/time.Minute))) * time.Minute)
	case p < 20:
		return g.now.Add(time.Duration(10+g.r.IntN(50)) * time.Minute)
	default:
		return g.now.Add(time.Duration(60+g.r.IntN(47*60)) * time.Minute)
	}
}

// hostEvent adds one pending event about the instance's host or guest.
func (g eventGen) hostEvent(maint string) {
	r := g.r
	// A failure in progress reached its deadline 1 to ago minutes ago (ago ≤ MaxOverdue).
	failing := func(ago int) time.Time { return g.now.Add(-time.Duration(1+r.IntN(ago)) * time.Minute) }
	switch p := r.IntN(100); {
	case p < 38:
		st := model.CycleScheduled
		if r.IntN(100) < 15 {
			st = model.CycleInquiring
		}
		g.add(model.EventMaintenanceReboot, st, g.deadline(), maint)
	case p < 70:
		st := model.CycleScheduled
		if r.IntN(100) < 20 {
			st = model.CycleInquiring
		}
		g.add(model.EventMaintenanceRedeploy, st, g.deadline(), maint)
	case p < 82:
		// A host failure in progress: Executing, deadline already reached.
		g.add(model.EventFailureReboot, model.CycleExecuting, failing(20), failureReasons[r.IntN(len(failureReasons))])
	case p < 88 && g.in.HasLocalDisks():
		g.add(model.EventMaintenanceRebootReinit, model.CycleScheduled, g.deadline(), "Local disk errors: the damaged disk is re-initialized on reboot")
	case p < 92 && g.in.HasLocalDisks():
		g.add(model.EventMaintenanceIsolateDisk, model.CycleScheduled, g.deadline(), "Local disk errors: the damaged disk is isolated on reboot")
	case p < 96:
		g.add(model.EventFailureRedeploy, model.CycleExecuting, failing(20), failureReasons[0])
	default:
		g.add(model.EventInstanceFailureReboot, model.CycleExecuting, failing(10), "Guest OS kernel panic detected")
	}
}
