package feedstore

// The bucket schemes Open takes: file:// and mem:// for one machine and
// tests, s3://, gs:// and azblob:// when workers run on several machines.
import (
	_ "gocloud.dev/blob/azureblob"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/gcsblob"
	_ "gocloud.dev/blob/memblob"
	_ "gocloud.dev/blob/s3blob"
)
