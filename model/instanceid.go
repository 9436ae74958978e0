package model

// maxInstanceIDLen bounds an instance id. ECS ids are "i-" and about twenty characters; the
// bound only keeps a pasted paragraph from passing as one.
const maxInstanceIDLen = 64

// ValidInstanceID reports whether id has the shape of an ECS instance id: "i-" followed by
// 1 to 62 lowercase letters and digits, as DescribeInstances returns them
// (i-bp1azkttqpldxgtedxxx). An empty id, a list ("i-a,i-b", ["i-a"]), spaces or upper case
// are not ids: sent to the API they would read as no filter, or as another instance.
func ValidInstanceID(id string) bool {
	if len(id) < 3 || len(id) > maxInstanceIDLen || id[0] != 'i' || id[1] != '-' {
		return false
	}
	for i := 2; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// ValidEventID reports whether id has the shape of a system event id: "e-" followed by 1 to
// 62 letters and digits (e-2zeielxl1qzq8slbxxx; the API's own examples have upper case).
func ValidEventID(id string) bool {
	if len(id) < 3 || len(id) > maxInstanceIDLen || id[0] != 'e' || id[1] != '-' {
		return false
	}
	for i := 2; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
