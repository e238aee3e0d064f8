package hub

// What the external tests (package hub_test, which imports hubtest, which
// imports hub) need of the hub's insides.
var (
	WatchQueue  = watchQueue
	DropReasons = dropReasons
)

// NoteBurst is how many notes and replies a participant may post at once.
const NoteBurst = noteBurst
