# V1's demo replays a fixed schedule on a simulated clock: nothing in it varies.
shown 'swift run V1Demo'
