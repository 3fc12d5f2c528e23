#!/usr/bin/env python3
"""Writes a small MaxMind-format (GeoIP2-City layout) database for the test network's addresses.

The format is public: https://maxmind.github.io/MaxMind-DB/ (binary search tree of 24-bit records,
a data section of typed values, then the metadata map after "\\xab\\xcd\\xefMaxMind.com").
Written by hand because no MMDB writer is packaged for this machine; the module reads the result
with MaxMind's own reader (MaxMind.Db), so a mistake here fails the tests instead of hiding.

usage: make-geoip-db.py OUT.mmdb NETWORK=City|Region|Country|CC [...]   (empty parts allowed)
"""
import ipaddress
import struct
import sys
import time

TYPES = {"pointer": 1, "utf8": 2, "double": 3, "bytes": 4, "uint16": 5, "uint32": 6, "map": 7,
         "int32": 8, "uint64": 9, "uint128": 10, "array": 11, "container": 12, "end": 13, "bool": 14, "float": 15}


def control(kind, size):
    t = TYPES[kind]
    if size < 29:
        head, extra = size, b""
    elif size < 285:
        head, extra = 29, bytes([size - 29])
    elif size < 65821:
        head, extra = 30, struct.pack(">H", size - 285)
    else:
        head, extra = 31, struct.pack(">I", size - 65821)[1:]
    if t <= 7:
        return bytes([(t << 5) | head]) + extra
    return bytes([head, t - 7]) + extra  # extended type: type bits 0, then type - 7


def encode(value):
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return control("utf8", len(raw)) + raw
    if isinstance(value, dict):
        return control("map", len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())
    if isinstance(value, list):
        return control("array", len(value)) + b"".join(encode(v) for v in value)
    if isinstance(value, tuple):  # (kind, int) for unsigned integers
        kind, number = value
        raw = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
        return control(kind, len(raw)) + raw
    raise TypeError(value)


def city_record(city, region, country, code):
    record = {}
    if city:
        record["city"] = {"names": {"en": city}}
    if country or code:
        record["country"] = {k: v for k, v in (("iso_code", code), ("names", {"en": country} if country else None)) if v}
    if region:
        record["subdivisions"] = [{"names": {"en": region}}]
    return record


def build(networks):
    nodes = [[None, None]]  # each side: None (no data), ("node", i) or ("data", offset)
    data = b""
    for network, record in networks:
        offset = len(data)
        data += encode(record)
        bits = int(network.network_address)
        node = 0
        for depth in range(network.prefixlen):
            side = (bits >> (31 - depth)) & 1
            if depth == network.prefixlen - 1:
                nodes[node][side] = ("data", offset)
            else:
                if nodes[node][side] is None or nodes[node][side][0] != "node":
                    nodes.append([None, None])
                    nodes[node][side] = ("node", len(nodes) - 1)
                node = nodes[node][side][1]
    count = len(nodes)

    def value(entry):
        if entry is None:
            return count
        kind, number = entry
        return number if kind == "node" else count + 16 + number

    tree = b"".join(struct.pack(">I", value(left))[1:] + struct.pack(">I", value(right))[1:] for left, right in nodes)
    metadata = {
        "binary_format_major_version": ("uint16", 2),
        "binary_format_minor_version": ("uint16", 0),
        "build_epoch": ("uint64", int(time.time())),
        "database_type": "KaelioProxy-Test-City",
        "description": {"en": "KaelioProxy test network locations"},
        "ip_version": ("uint16", 4),
        "languages": ["en"],
        "node_count": ("uint32", count),
        "record_size": ("uint16", 24),
    }
    return tree + b"\x00" * 16 + data + b"\xab\xcd\xefMaxMind.com" + encode(metadata)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    networks = []
    for spec in argv[2:]:
        net, _, place = spec.partition("=")
        networks.append((ipaddress.IPv4Network(net), city_record(*(place.split("|") + ["", "", "", ""])[:4])))
    with open(argv[1], "wb") as out:
        out.write(build(networks))


if __name__ == "__main__":
    main(sys.argv)
