// A small drawn map of the kecamatan (no tiles, works offline): pick a point, or show one.
"use strict";

const SandboxMap = (() => {
  const { el } = Sandbox;
  const MARGIN = 0.008;

  function frame(map, width, height) {
    const lats = map.outline.map((p) => p[0]);
    const lons = map.outline.map((p) => p[1]);
    const box = {
      minLat: Math.min(...lats) - MARGIN, maxLat: Math.max(...lats) + MARGIN,
      minLon: Math.min(...lons) - MARGIN, maxLon: Math.max(...lons) + MARGIN,
    };
    return {
      x: (lon) => ((lon - box.minLon) / (box.maxLon - box.minLon)) * width,
      y: (lat) => ((box.maxLat - lat) / (box.maxLat - box.minLat)) * height,
      lon: (x) => box.minLon + (x / width) * (box.maxLon - box.minLon),
      lat: (y) => box.maxLat - (y / height) * (box.maxLat - box.minLat),
      inside: (lat, lon) => lat >= box.minLat && lat <= box.maxLat && lon >= box.minLon && lon <= box.maxLon,
    };
  }

  function land(svg, map, f, labels) {
    const points = map.outline.map(([lat, lon]) => `${f.x(lon).toFixed(1)},${f.y(lat).toFixed(1)}`).join(" ");
    svg.append(el("svg:rect", { x: 0, y: 0, width: "100%", height: "100%", class: "map-sea" }));
    svg.append(el("svg:polygon", { points, class: "map-land" }));
    const [clat, clon] = map.center;
    const places = map.presets.filter((p) => f.inside(p.latitude, p.longitude));
    for (const place of places.slice(1)) {
      svg.append(el("svg:line", { x1: f.x(clon), y1: f.y(clat), x2: f.x(place.longitude), y2: f.y(place.latitude), class: "map-road" }));
    }
    for (const place of places) {
      const x = f.x(place.longitude);
      const y = f.y(place.latitude);
      svg.append(el("svg:circle", { cx: x, cy: y, r: place === places[0] ? 4 : 3, class: "map-place" }));
      const right = x > 230;  // labels near the right edge grow leftwards, to stay on the map
      if (labels) svg.append(el("svg:text", { x: right ? x - 5 : x + 5, y: y - 4, class: "map-label", "text-anchor": right ? "end" : "start", text: place.name }));
    }
  }

  function pin(svg, x, y) {
    const marker = el("svg:g", { class: "map-pin", transform: `translate(${x.toFixed(1)},${y.toFixed(1)})` },
      el("svg:path", { d: "M0,0 C-7,-9 -7,-18 0,-18 C7,-18 7,-9 0,0 Z" }),
      el("svg:circle", { cx: 0, cy: -12, r: 2.6, class: "map-pin-dot" }));
    svg.append(marker);
    return marker;
  }

  // The picking map in the location sheet; onPick(lat, lon) on each click.
  function picker(svg, map, onPick) {
    const f = frame(map, 320, 220);
    svg.replaceChildren();  // drawn again when the citizen writes to another kecamatan
    land(svg, map, f, true);
    let marker = null;
    svg.onclick = (event) => {
      const box = svg.getBoundingClientRect();
      const x = ((event.clientX - box.left) / box.width) * 320;
      const y = ((event.clientY - box.top) / box.height) * 220;
      if (marker) marker.remove();
      marker = pin(svg, x, y);
      onPick(Number(f.lat(y).toFixed(5)), Number(f.lon(x).toFixed(5)));
    };
  }

  // A small map card for a shared location.
  function mini(map, lat, lon) {
    const svg = el("svg", { viewBox: "0 0 240 120", class: "map mini" });
    const f = frame(map, 240, 120);
    land(svg, map, f, false);
    if (f.inside(lat, lon)) pin(svg, f.x(lon), f.y(lat));
    else svg.append(el("svg:text", { x: 120, y: 64, class: "map-outside", "text-anchor": "middle", text: "di luar peta kecamatan" }));
    return svg;
  }

  return { picker, mini };
})();
