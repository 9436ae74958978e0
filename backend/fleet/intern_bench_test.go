package fleet

import "testing"

// BenchmarkSharedTags is a record's tag set made shared, as every new or changed instance
// of a listing is: at 100,000 instances, once per instance at start.
func BenchmarkSharedTags(b *testing.B) {
	tags := map[string]string{"team": "kafka", "env": "prod", "cluster": "kafka-prod"}
	b.ReportAllocs()
	for b.Loop() {
		_ = sharedTags(tags)
	}
}
