package imssim

import (
	"crypto/rand"
	"fmt"
	"time"
)

// NewImageID is a random image ID in IMS's form (a lower-case version-4 UUID), for tests that
// add images of their own.
func NewImageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// PrivateUbuntu is an active private Ubuntu 22.04 image of owner, created then.
func PrivateUbuntu(id, owner, name string, created time.Time) Image {
	at := created.UTC().Format(time.RFC3339)
	return Image{"id": id, "name": name, "status": "active", "owner": owner,
		"visibility": "private", "__imagetype": "private", "__platform": "Ubuntu", "__os_type": "Linux",
		"__os_version": "Ubuntu 22.04 server 64bit", "__os_bit": "64", "created_at": at, "updated_at": at}
}
