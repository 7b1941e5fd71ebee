"""The node-graph canvas: scene, view and one graphics-item class per module."""
