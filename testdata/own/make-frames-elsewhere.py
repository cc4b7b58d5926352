"""A QuickTime movie whose frames live in another file, as old Macs wrote them: the video track's
data reference is a Macintosh alias ('alis') to a file that is not there."""
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
data = bytearray(open(src, 'rb').read())

def find(buf, start, end, path):
    i = start
    while i < end:
        size, typ = struct.unpack('>I4s', buf[i:i+8])
        if typ == path[0]:
            if len(path) == 1:
                return [i]
            inner = i + (16 if typ == b'dref' else 8)
            return [i] + find(buf, inner, i + size, path[1:])
        i += size
    raise SystemExit(f'no {path[0]}')

chain = find(data, 0, len(data), [b'moov', b'trak', b'mdia', b'minf', b'dinf', b'dref', b'url '])
url = chain[-1]
path = b'Macintosh HD:Movies:Frames of 2003.mov'
if len(path) % 2:
    path += b'\0'
record = bytearray(150)
record[10] = 12
record[11:11+12] = b'Macintosh HD'
name = b'Frames of 2003.mov'
record[50] = len(name)
record[51:51+len(name)] = name
record[130:132] = struct.pack('>h', -1)
record[132:134] = struct.pack('>h', -1)
tlv = struct.pack('>hH', 2, len(path)) + path + struct.pack('>hH', -1, 0)
entry = struct.pack('>I4sI', 12 + len(record) + len(tlv), b'alis', 0) + bytes(record) + tlv
growth = len(entry) - 12
data[url:url+12] = entry
for box in chain[:-1]:
    size = struct.unpack('>I', data[box:box+4])[0]
    data[box:box+4] = struct.pack('>I', size + growth)
open(dst, 'wb').write(data)
