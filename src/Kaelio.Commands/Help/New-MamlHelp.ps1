<#
.SYNOPSIS
    Writes the module's MAML help (en-US/Kaelio.Commands.dll-Help.xml) from the cmdlets themselves.
.DESCRIPTION
    Synopses, descriptions and parameter texts come from the C# doc comments (one source, next to the
    code they describe); syntax from the cmdlets' parameter sets; examples from Examples.psd1.
    Written here because platyPS and XmlDoc2CmdletDoc are not served by this project's registries.
    Runs in its own process: it imports the built module.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $DocumentationXml,
    [Parameter(Mandatory)][string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$docs = [xml](Get-Content $DocumentationXml -Raw)
$examples = Import-PowerShellDataFile (Join-Path $PSScriptRoot 'Examples.psd1')
$members = @{}
foreach ($member in $docs.doc.members.member) { $members[$member.name] = $member }
$common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name +
    [System.Management.Automation.Internal.ShouldProcessParameters].GetProperties().Name

function Text([System.Xml.XmlNode] $node) {
    if (-not $node) { return '' }
    ($node.InnerText -replace '\s+', ' ').Trim()
}

function Para([string] $text) { "<maml:para>$([System.Security.SecurityElement]::Escape($text))</maml:para>" }

function Summary([string] $memberName, [string] $kind) {
    $member = $members[$memberName]
    if (-not $member) { throw "No doc comment for $memberName." }
    if ($kind) { return Text $member.SelectSingleNode("summary/para[@type='$kind']") }
    Text $member.SelectSingleNode('summary')
}

$out = [System.Text.StringBuilder]::new()
$null = $out.AppendLine('<?xml version="1.0" encoding="utf-8"?>')
$null = $out.AppendLine('<helpItems schema="maml" xmlns="http://msh">')
foreach ($command in Get-Command -Module KaelioProxy -CommandType Cmdlet | Sort-Object Name) {
    $type = "T:$($command.ImplementingType.FullName)"
    $synopsis = Summary $type 'synopsis'
    if (-not $synopsis) { throw "$($command.Name) has no synopsis." }
    $description = Summary $type 'description'
    $null = $out.AppendLine('<command:command xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10">')
    $null = $out.AppendLine("<command:details><command:name>$($command.Name)</command:name><command:verb>$($command.Verb)</command:verb><command:noun>$($command.Noun)</command:noun><maml:description>$(Para $synopsis)</maml:description></command:details>")
    $null = $out.AppendLine("<maml:description>$(Para $(if ($description) { $description } else { $synopsis }))</maml:description>")

    $parameterText = @{}
    foreach ($name in $command.Parameters.Keys | Where-Object { $_ -notin $common }) {
        $text = Summary "P:$($command.ImplementingType.FullName).$name"
        if (-not $text) { throw "$($command.Name) -$name has no description." }
        $parameterText[$name] = $text
    }

    $null = $out.AppendLine('<command:syntax>')
    foreach ($set in $command.ParameterSets) {
        $null = $out.AppendLine("<command:syntaxItem><maml:name>$($command.Name)</maml:name>")
        foreach ($p in $set.Parameters | Where-Object { $_.Name -notin $common }) {
            $position = if ($p.Position -ge 0) { $p.Position } else { 'named' }
            $value = if ($p.ParameterType -ne [switch]) { "<command:parameterValue required=`"true`">$($p.ParameterType.Name)</command:parameterValue>" }
            $null = $out.AppendLine("<command:parameter required=`"$($p.IsMandatory.ToString().ToLower())`" position=`"$position`"><maml:name>$($p.Name)</maml:name>$value</command:parameter>")
        }
        $null = $out.AppendLine('</command:syntaxItem>')
    }
    $null = $out.AppendLine('</command:syntax>')

    $null = $out.AppendLine('<command:parameters>')
    foreach ($name in $parameterText.Keys | Sort-Object) {
        $p = $command.Parameters[$name]
        $sets = $p.ParameterSets.Values
        $pipeline = @(if ($sets.ValueFromPipeline -contains $true) { 'ByValue' }; if ($sets.ValueFromPipelineByPropertyName -contains $true) { 'ByPropertyName' })
        $pipelineText = if ($pipeline) { "true ($($pipeline -join ', '))" } else { 'false' }
        $positions = @($sets.Position | Where-Object { $_ -ge 0 })
        $position = if ($positions) { $positions[0] } else { 'named' }
        $required = ($sets.IsMandatory -contains $true).ToString().ToLower()
        $globbing = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
        $null = $out.AppendLine("<command:parameter required=`"$required`" globbing=`"$($globbing.ToString().ToLower())`" pipelineInput=`"$pipelineText`" position=`"$position`" aliases=`"$($p.Aliases -join ', ')`">")
        $null = $out.AppendLine("<maml:name>$name</maml:name><maml:description>$(Para $parameterText[$name])</maml:description>")
        $null = $out.AppendLine("<command:parameterValue required=`"true`">$($p.ParameterType.Name)</command:parameterValue><dev:type><maml:name>$($p.ParameterType.FullName)</maml:name></dev:type>")
        $null = $out.AppendLine('</command:parameter>')
    }
    $null = $out.AppendLine('</command:parameters>')

    $list = $examples[$command.Name]
    if (-not $list) { throw "$($command.Name) has no example in Examples.psd1." }
    $null = $out.AppendLine('<command:examples>')
    $n = 0
    foreach ($example in $list) {
        $n++
        $null = $out.AppendLine("<command:example><maml:title>-------------------------- Example $n --------------------------</maml:title><dev:code>$([System.Security.SecurityElement]::Escape($example.Code))</dev:code><dev:remarks>$(Para $example.Remarks)</dev:remarks></command:example>")
    }
    $null = $out.AppendLine('</command:examples>')
    $null = $out.AppendLine('</command:command>')
}
$null = $out.AppendLine('</helpItems>')
New-Item -ItemType Directory -Force (Split-Path $OutputPath) | Out-Null
[xml]$null = $out.ToString()  # fail the build on malformed XML
Set-Content -Path $OutputPath -Value $out.ToString() -Encoding utf8NoBOM
